"""Bradley–Terry accuracy, bootstrap coverage and speed on synthetic round robins.

    nice python benchmarks/bench_ratings.py            # the figures in ratings.md
    nice python benchmarks/bench_ratings.py --quick    # fewer repetitions

Outcomes are logistic in the true Elo with draws P(draw) = 1.2 p (1 − p): 30 % between equals,
fewer for mismatches, and the expected score stays exactly p, so the true Elo is well defined.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from arena.ratings import OnlineElo, PairCounts, bootstrap, fit_bt, mle

DRAW_BETWEEN_EQUALS = 0.3


def play(true: np.ndarray, a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Score of a against b for each game."""
    p = 1 / (1 + 10 ** ((true[b] - true[a]) / 400))
    draw = 4 * DRAW_BETWEEN_EQUALS * p * (1 - p)
    u = rng.random(len(a))
    return np.where(u < p - draw / 2, 1.0, np.where(u < p + draw / 2, 0.5, 0.0))


def round_robin(true: np.ndarray, per_pair: int, rng: np.random.Generator):
    a, b = (np.repeat(x, per_pair) for x in np.triu_indices(len(true), 1))
    order = rng.permutation(len(a))  # a realistic interleaving for the order-dependent online Elo
    return a[order], b[order], play(true, a[order], b[order], rng)


def rmse(estimate: np.ndarray, true: np.ndarray) -> float:
    return float(np.sqrt(np.mean((estimate - estimate.mean() - true + true.mean()) ** 2)))


def accuracy(reps: int, rng: np.random.Generator) -> None:
    true = np.linspace(-400, 400, 16)
    names = [f"a{i}" for i in range(16)]
    print("games/pair   BT RMSE   online Elo K=4   K=32   (16 agents, mean over", reps, "runs)")
    for per_pair in (10, 50, 200):
        bt, k4, k32 = [], [], []
        for _ in range(reps):
            a, b, s = round_robin(true, per_pair, rng)
            bt.append(rmse(mle(PairCounts.from_arrays(names, a, b, s)), true))
            for k, out in ((4, k4), (32, k32)):
                elo = OnlineElo(k=k)
                for x, y, score in zip(a.tolist(), b.tolist(), s.tolist()):
                    elo.update(names[x], names[y], score)
                out.append(rmse(np.array([elo[n] for n in names]), true))
        print(f"{per_pair:>10}   {np.mean(bt):7.1f}   {np.mean(k4):14.1f}   {np.mean(k32):4.1f}")


def coverage(runs: int, n_boot: int, rng: np.random.Generator) -> None:
    true = np.linspace(-400, 400, 16)
    names = [f"a{i}" for i in range(16)]
    hits = total = 0
    for seed in range(runs):
        fit = fit_bt(PairCounts.from_arrays(names, *round_robin(true, 50, rng)), n_boot=n_boot, seed=seed)
        hits += int(np.sum((fit.ci_low <= true) & (true <= fit.ci_high)))  # both gauged to mean 0
        total += len(true)
    print(f"bootstrap 95 % coverage (B={n_boot}, 50 games/pair): {hits / total:.1%} of {total} intervals")


def speed(agents: int, games: int, n_boot: int, rng: np.random.Generator) -> None:
    true = rng.uniform(-400, 400, agents)
    a = rng.integers(0, agents, games)
    b = (a + rng.integers(1, agents, games)) % agents
    s = play(true, a, b, rng)
    names = [f"a{i}" for i in range(agents)]
    t0 = time.perf_counter()
    counts = PairCounts.from_arrays(names, a, b, s)
    t1 = time.perf_counter()
    point = mle(counts)
    t2 = time.perf_counter()
    bootstrap(counts, n_boot, x0=point)
    t3 = time.perf_counter()
    print(f"{agents} agents × {games:.0e} games ({len(counts.i)} pairs): aggregate {t1 - t0:.2f} s, "
          f"fit {t2 - t1:.2f} s, {n_boot} bootstrap refits {t3 - t2:.1f} s, RMSE {rmse(point, true):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    accuracy(3 if args.quick else 10, rng)
    coverage(10 if args.quick else 35, 100 if args.quick else 200, rng)
    speed(200, 10**6, 100, rng)


if __name__ == "__main__":
    main()
