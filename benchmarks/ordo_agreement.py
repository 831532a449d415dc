"""`arena leaderboard` against Ordo on the same games: export them with `arena games --pgn`, rate
the PGN with Ordo, compare with `arena leaderboard --json` (both mean 0, logistic, draw = half).

    nice python benchmarks/ordo_agreement.py --ordo /path/to/ordo

Ordo: github.com/michiguel/Ordo, `make` (C, builds in seconds). Run as `ordo -p games.pgn -M
-z 200.24 -a 0` and without -M (Ordo's default solver): -M plain maximum likelihood, -z 200.24 the logistic Elo scale (a 76 % score is
400 log10(0.76/0.24) = 200.24 Elo; Ordo's default 202 is not exactly logistic), -a 0 pool
average 0, no white advantage (its default). The games are simulated (a connected field
without perfect scores) and stored in a real SQLite store as the referee would store them.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from arena.referee import GameRecord
from arena.store import Store


def simulate(db: str, agents: int, per_pair: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    true = np.linspace(-300, 300, agents)
    with Store(db) as store:
        names = [f"bot{i}" for i in range(agents)]
        store.open_tournament("ordo check", "openspiel/tic_tac_toe", names, {"games": per_pair})
        for i in range(agents):
            for j in range(i + 1, agents):
                for g in range(per_pair):
                    a, b = (i, j) if g % 2 == 0 else (j, i)  # alternate seats
                    p = 1 / (1 + 10 ** ((true[b] - true[a]) / 400))
                    draw = 1.2 * p * (1 - p)
                    u = rng.random()
                    s = 1.0 if u < p - draw / 2 else 0.5 if u < p + draw / 2 else 0.0
                    record = GameRecord("openspiel/tic_tac_toe", int(rng.integers(2**31)), [names[a], names[b]],
                                        [[0], [1]], scores=[s, 1 - s])
                    store.add_game("ordo check", f"{i}-{j}-{g}", record)
    return true


def arena(*args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "arena", *args], capture_output=True, text=True, check=True)
    return out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ordo", required=True, help="path to the ordo binary")
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--games", type=int, default=100, help="games per pair")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db, pgn, out = (os.path.join(tmp, f) for f in ("games.db", "games.pgn", "ordo.csv"))
        simulate(db, args.agents, args.games, args.seed)
        with open(pgn, "w") as f:
            f.write(arena("games", "--db", db, "--pgn"))
        ordo_runs = {}
        for ordo_label, flags in (("ordo -M", ["-M"]), ("ordo", [])):  # forced ML, and Ordo's default solver
            subprocess.run([args.ordo, "-q", "-p", pgn, *flags, "-z", "200.24", "-a", "0", "-c", out], check=True,
                           capture_output=True)
            with open(out) as f:
                ordo_runs[ordo_label] = {r[1].strip(): float(r[2]) for r in list(csv.reader(f))[1:]}
        for label, extra in (
            ("default (--prior auto)", []),
            ("--prior none", ["--prior", "none"]),
            ("--prior field", ["--prior", "field"]),
        ):
            rows = json.loads(arena("leaderboard", "openspiel/tic_tac_toe", "--db", db, "--json", *extra))
            ours = {r["agent"]: r["rating"] for r in rows}
            mean = np.mean(list(ours.values()))
            for ordo_label, ordo in ordo_runs.items():
                diff = [ours[n] - mean - ordo[n] for n in ordo]
                print(f"{label} vs {ordo_label}: {len(ordo)} agents, {args.games} games per pair: "
                      f"max |arena - Ordo| = {np.max(np.abs(diff)):.2f} Elo, mean |diff| = {np.mean(np.abs(diff)):.2f}")

if __name__ == "__main__":
    main()
