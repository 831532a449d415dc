"""Resume after kill -9: a 200-game tournament killed at five random moments and rerun each
time ends with exactly 200 games, none duplicated, equal to an uninterrupted run.

    python benchmarks/resume_kill9.py [--seed 1] [--concurrency 2] [--keep DIR]

The tournament is the real command line (`python -m arena tournament ...`) in a subprocess;
each kill is SIGKILL to that process at a random moment (uniform over the expected run time,
which the uninterrupted reference run measures first). Results compared per game key: seed,
players, every move, scores and termination.
"""

from __future__ import annotations

import argparse
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENV = "openspiel/tic_tac_toe"
AGENTS = ["random", "minimax", "mcts:sims=100", "mcts:sims=300", "mcts:sims=1000"]  # 10 pairings
GAMES = 20  # per pairing: 200 games


def command(db: Path, concurrency: int) -> list[str]:
    return [sys.executable, "-m", "arena", "tournament", ENV, *AGENTS, "--games", str(GAMES),
            "--opening-plies", "1", "--seed", "9", "--concurrency", str(concurrency), "--quiet",
            "--db", str(db)]


def games(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT game_key, seed, players, moves, scores, termination FROM games "
                            "ORDER BY game_key").fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="Seed of the kill moments.")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--keep", default=None, help="Keep the databases in this folder.")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder = Path(args.keep or tempfile.mkdtemp(prefix="resume_kill9_"))
    folder.mkdir(parents=True, exist_ok=True)
    reference, killed = folder / "uninterrupted.db", folder / "killed.db"
    for path in folder.glob("*.db*"):
        path.unlink()

    start = time.perf_counter()
    subprocess.run(command(reference, args.concurrency), check=True, stdout=subprocess.DEVNULL)
    full = time.perf_counter() - start
    print(f"uninterrupted run: {len(games(reference))} games in {full:.1f}s")

    for kill in range(args.kills):
        proc = subprocess.Popen(command(killed, args.concurrency), stdout=subprocess.DEVNULL)
        delay = rng.uniform(0.2, 1.0) * full
        try:
            proc.wait(timeout=delay)
            print(f"kill {kill + 1}: the run finished before its kill moment ({delay:.1f}s)")
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            stored = len(games(killed)) if killed.exists() else 0
            print(f"kill {kill + 1}: SIGKILL after {delay:.1f}s, {stored} games stored")
    subprocess.run(command(killed, args.concurrency), check=True, stdout=subprocess.DEVNULL)

    final, expected = games(killed), games(reference)
    keys = [g[0] for g in final]
    print(f"after the final rerun: {len(final)} games, {len(set(keys))} distinct keys, "
          f"identical to the uninterrupted run: {final == expected}")
    if not (len(final) == len(set(keys)) == len(AGENTS) * (len(AGENTS) - 1) // 2 * GAMES and final == expected):
        sys.exit(1)


if __name__ == "__main__":
    main()
