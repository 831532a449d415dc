"""MuZero on Connect Four: a checkpoint against OpenSpiel's C++ MCTS (random rollouts) and
uniform random, seats alternated, its one-move tactics (wins taken, threats stopped), and
the learning curve of the run that wrote it.

    arena train muzero openspiel/connect_four --minutes 60 --workers 2 --out runs/c4
    python benchmarks/bench_muzero_c4.py runs/c4/latest.pt --games 200 --sims 16 64

Games are played in batches (our moves for all live games in one search call) against one
arena `mcts:sims=N` agent per game; decisions are the same as the `muzero` agent's in a
tournament (no Gumbel noise at play time). Scores count a draw as half a win; the interval
is a 95 % normal interval over games and the Elo difference follows from the score.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import pyspiel
import torch

ENV = "openspiel/connect_four"


def elo(score: float) -> float:
    score = min(max(score, 1e-3), 1 - 1e-3)
    return -400 * math.log10(1 / score - 1)


def match(player, opponent: str, games: int, seed: int) -> dict:
    from arena_muzero import evaluate as ev

    halves = [ev.vs_agent(player, ENV, games // 2, seat, opponent, seed + seat) for seat in (0, 1)]
    per_game = np.concatenate([np.repeat([1.0, 0.5, 0.0], np.round(np.array(
        [h["win"], h["draw"], h["loss"]]) * (games // 2)).astype(int)) for h in halves])
    score = float(per_game.mean())
    half_width = 1.96 * float(per_game.std(ddof=1)) / math.sqrt(len(per_game))
    return {"opponent": opponent, "games": len(per_game), "score": score, "ci95": half_width,
            "elo": elo(score), "first": halves[0], "second": halves[1]}


def curve(run_dir: Path) -> list[dict]:
    rows = []
    metrics = run_dir / "metrics.jsonl"
    if not metrics.exists():
        return rows
    for line in metrics.read_text().splitlines():
        r = json.loads(line)
        e = r["eval"]
        row = {"minutes": round(r["elapsed_s"] / 60, 1), "cpu_min": round(r["cpu_s"] / 60, 1),
               "steps": r["steps"], "games": r["games"]}
        for key in ("random", "mcts:sims=100"):
            if f"{key}_seat0" in e:
                a, b = e[f"{key}_seat0"], e[f"{key}_seat1"]
                row[key] = round((a["win"] + b["win"] + (a["draw"] + b["draw"]) / 2) / 2, 3)
        rows.append(row)
    return rows


def main() -> None:
    torch.set_num_threads(1)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkpoint", type=Path)
    ap.add_argument("--games", type=int, default=200, help="per opponent, half from each seat")
    ap.add_argument("--sims", type=int, nargs="+", default=[16, 64])
    ap.add_argument("--opponents", nargs="+", default=["random", "mcts:sims=100", "mcts:sims=1000"])
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()

    from arena_muzero.agent import Player, load_checkpoint, net_from_checkpoint
    from arena_muzero.evaluate import tactics

    ckpt = load_checkpoint(args.checkpoint)
    net = net_from_checkpoint(ckpt)
    report = {"checkpoint": str(args.checkpoint), "net": ckpt["net"], "progress": ckpt["progress"],
              "curve": curve(args.checkpoint.parent), "matches": []}
    report["tactics"] = {}
    for sims in args.sims:
        player = Player(net, tuple(ckpt["net"]["obs_shape"]), sims)
        t = report["tactics"][sims] = tactics(player, pyspiel.load_game("connect_four"))
        print(f"muzero sims={sims:<4} takes a win in one {t['win']:.3f} ({t['win_positions']} positions), "
              f"stops the opponent's {t['block']:.3f} ({t['block_positions']})", flush=True)
        for opponent in args.opponents:
            start = time.perf_counter()
            m = match(player, opponent, args.games, args.seed)
            m.update(sims=sims, seconds=round(time.perf_counter() - start, 1))
            report["matches"].append(m)
            print(f"muzero sims={sims:<4} vs {opponent:<16} score {m['score']:.3f} ± {m['ci95']:.3f} "
                  f"({m['games']} games; first W{m['first']['win']:.2f} D{m['first']['draw']:.2f}, "
                  f"second W{m['second']['win']:.2f} D{m['second']['draw']:.2f}) "
                  f"Elo {m['elo']:+.0f}  [{m['seconds']} s]", flush=True)
    print("\nlearning curve (in-training evaluation, score vs random and vs mcts:sims=100):")
    for row in report["curve"]:
        print("  ", row)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
