"""Turn-based PPO on Connect Four, no search: a run of the recipe below, its learning curve,
then referee games of the checkpoint against `random` and `mcts:sims=100` (200 games per
pairing, half on each seat), playing as trained (sampling its policy) and greedy.

    python benchmarks/bench_ppo_connect_four.py --cpu-minutes 60 --out runs/c4conv
    python benchmarks/bench_ppo_connect_four.py --out runs/c4conv --eval-only
    python benchmarks/bench_ppo_connect_four.py --out runs/c4mlp --set conv_channels=0 --set central_critic=true

The recipe: a convolutional actor and critic (`conv_channels=32`), self-play with a magnet
that follows the policy (α 0.02), 20 % of games against past selves and 45 % against fixed
agents (random, `mcts:sims=25`, `mcts:sims=100`, drawn uniformly). The referee games are
`arena tournament` gauntlets, so they land in OUT/referee.db like any other games.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ENV = "openspiel/connect_four"
RECIPE = ("conv_channels=32", "central_critic=false", "hidden=256", "magnet_coef=0.02", "pool_fraction=0.2",
          "opponents=random,mcts:sims=25,mcts:sims=100", "opponent_fraction=0.45",
          "eval_games=40", "eval_every=300", "eval_opponents=random,mcts:sims=100")
OPPONENTS = ("random", "mcts:sims=25", "mcts:sims=100")


def arena_cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "arena", *args], check=True)


def learning_curve(out: Path, every: float = 600.0) -> None:
    """Training scores by opponent, averaged over each `every` CPU seconds, and the evaluations."""
    rows = [json.loads(line) for line in open(out / "metrics.jsonl")]
    print(f"{'CPU s':>11} {'decisions':>11} " + " ".join(f"{'vs ' + o:>16}" for o in OPPONENTS) + "  entropy")
    for start in np.arange(0.0, rows[-1]["cpu"] - every / 10, every):  # no sliver past the budget
        part = [r for r in rows if start <= r["cpu"] < start + every]
        if part:
            scores = [np.mean([r[f"score_vs_{o}"] for r in part if r.get(f"score_vs_{o}") is not None] or [np.nan])
                      for o in OPPONENTS]
            print(f"{start:>5.0f}-{start + every:<5.0f} {part[-1]['step']:>11,} "
                  + " ".join(f"{s:>16.2f}" for s in scores) + f"  {np.mean([r['entropy'] for r in part]):.2f}")
    for r in rows:
        if "eval_random_score" in r:
            print(f"  evaluation at {r['cpu']:>5.0f} CPU s: vs random {r['eval_random_score']:.3f}, "
                  f"vs mcts:sims=100 {r.get('eval_mcts:sims=100_score', float('nan')):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cpu-minutes", type=float, default=60.0)
    parser.add_argument("--out", default="runs/c4conv")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--games", type=int, default=200, help="referee games per pairing")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="a change to the recipe")
    parser.add_argument("--eval-only", action="store_true", help="judge OUT/latest.pt without training")
    opts = parser.parse_args()
    out = Path(opts.out)
    if not opts.eval_only:
        sets = [a for s in (*RECIPE, *opts.overrides) for a in ("--set", s)]
        arena_cli("train", "ppo", ENV, "--cpu-minutes", str(opts.cpu_minutes), "--seed", str(opts.seed),
                  "--out", str(out), "--no-progress", *sets)
    learning_curve(out)
    checkpoint = f"ppo:checkpoint={out}/latest.pt"
    referee = ["--games", str(opts.games), "--seed", "50000", "--format", "gauntlet", "--quiet", "--db", str(out / "referee.db")]
    arena_cli("tournament", ENV, checkpoint, "random", "mcts:sims=100", "--name", "sampled", *referee)
    arena_cli("tournament", ENV, f"{checkpoint},greedy=true", "mcts:sims=100", "--name", "greedy-mcts", *referee)
    arena_cli("tournament", ENV, f"{checkpoint},greedy=true", "random", "--name", "greedy-random", *referee)


if __name__ == "__main__":
    main()
