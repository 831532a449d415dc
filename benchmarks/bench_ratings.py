"""Bradley–Terry accuracy, interval coverage by field class, and speed, on simulated fields.

    nice python benchmarks/bench_ratings.py            # the figures in docs/results.md
    nice python benchmarks/bench_ratings.py --quick    # fewer repetitions
    nice python benchmarks/bench_ratings.py --only speed

Outcomes are logistic in the true Elo with draws P(draw) = 1.2 p (1 − p): 30 % between equals,
fewer for mismatches, and the expected score stays exactly p, so the true Elo is well defined.
Coverage counts, over every pair of agents in one comparison group, how often the 95 %
interval of r_i − r_j holds the true difference (intervals with an infinite end count, and
how many there are is reported); pairs in different groups get (−inf, inf) and are left out.
"anchor-rel." is the same for the rating minus the anchor's (agent 0, random); "plain ML" counts
the fields where the default `--prior auto` chose plain maximum likelihood.
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


def round_robin(true: np.ndarray, per_pair: int, rng: np.random.Generator, pairs=None):
    a, b = (np.repeat(x, per_pair) for x in (np.triu_indices(len(true), 1) if pairs is None else pairs))
    order = rng.permutation(len(a))  # a realistic interleaving for the order-dependent online Elo
    return a[order], b[order], play(true, a[order], b[order], rng)


def swiss(true: np.ndarray, rounds: int, rng: np.random.Generator):
    """Each round pairs neighbours in the current standings (random tie-break), 2 games each."""
    k, score = len(true), np.zeros(len(true))
    a_all, b_all, s_all = [], [], []
    for _ in range(rounds):
        order = np.lexsort((rng.random(k), -score))
        a, b = np.repeat(order[0::2], 2), np.repeat(order[1::2], 2)
        s = play(true, a, b, rng)
        np.add.at(score, a, s)
        np.add.at(score, b, 1 - s)
        a_all.append(a), b_all.append(b), s_all.append(s)
    return np.concatenate(a_all), np.concatenate(b_all), np.concatenate(s_all)


def field(kind: str, rng: np.random.Generator):
    """(true ratings, games) of one simulated field; agent 0 is named random (the default anchor)."""
    if kind == "well mixed":
        true = np.linspace(-400, 400, 16)
        return true, round_robin(true, 50, rng)
    if kind == "scoreless anchor":  # like the published Connect Four board
        true = np.concatenate([[0.0], np.sort(rng.uniform(900, 1500, 6))])
        return true, round_robin(true, 20, rng)
    if kind == "perfect-score pairs":
        true = np.linspace(-900, 900, 12)
        return true, round_robin(true, 10, rng)
    if kind == "10 games/pair":
        true = np.linspace(-400, 400, 16)
        return true, round_robin(true, 10, rng)
    if kind == "sparse Swiss":
        true = rng.normal(0, 200, 40)
        return true, swiss(true, 7, rng)
    if kind == "disconnected":
        true = np.concatenate([np.linspace(-300, 300, 6) - 500, np.linspace(-300, 300, 6) + 500])
        i, j = np.triu_indices(12, 1)
        same = (i < 6) == (j < 6)
        return true, round_robin(true, 20, rng, (i[same], j[same]))
    raise ValueError(kind)


CLASSES = ("well mixed", "scoreless anchor", "perfect-score pairs", "10 games/pair", "sparse Swiss", "disconnected")


def coverage(runs: int, n_boot: int, seed: int, intervals: str) -> None:
    what = "posterior curvature" if intervals == "posterior" else f"parametric bootstrap B={n_boot}"
    print(f"95 % intervals of rating differences, {what}, {runs} fields per class")
    print(f"{'field class':<22}{'pairs':>7}{'coverage':>10}{'one-sided':>11}{'median width':>14}"
          f"{'anchor-rel. cov.':>18}{'flagged':>9}{'plain ML':>10}")
    for kind in CLASSES:
        rng = np.random.default_rng(seed)  # the same fields for every interval method
        hit = total = one_sided = anchor_hit = anchor_total = flagged = plain = 0
        thin = [0, 0, 0, []]  # fields with an anchor that took some but under 5 points: fields, hits, total, widths
        widths = []
        for run in range(runs):
            true, (a, b, s) = field(kind, rng)
            names = ["random", *(f"a{i}" for i in range(1, len(true)))]
            fit = fit_bt(PairCounts.from_arrays(names, a, b, s), n_boot=n_boot, seed=run, intervals=intervals)
            truth = true[:, None] - true[None, :]
            i, j = np.triu_indices(len(true), 1)
            same = fit.component[i] == fit.component[j]
            i, j = i[same], j[same]
            lo, hi = fit.diff_low[i, j], fit.diff_high[i, j]
            hit += int(np.sum((lo <= truth[i, j]) & (truth[i, j] <= hi)))
            total += len(i)
            finite = np.isfinite(lo) & np.isfinite(hi)
            one_sided += int(np.sum(~finite))
            widths += list((hi - lo)[finite])
            rel = fit.component == fit.component[0]
            t = true - true[0]
            anchor_hit += int(np.sum(((fit.ci_low <= t) & (t <= fit.ci_high))[rel][1:]))
            anchor_total += int(rel.sum()) - 1
            flagged += int(fit.prior.sum())
            if any("placed by its own games" in w for w in fit.warnings):
                ok = ((fit.ci_low <= t) & (t <= fit.ci_high))[rel][1:]
                thin[0] += 1
                thin[1] += int(ok.sum())
                thin[2] += len(ok)
                thin[3] += list((fit.ci_high - fit.ci_low)[rel][1:])
            plain += fit.prior_used == "none"
        width = f"{np.median(widths):.0f} Elo" if widths else "-"
        print(f"{kind:<22}{total:>7}{hit / total:>10.1%}{one_sided / total:>11.1%}{width:>14}"
              f"{anchor_hit / anchor_total:>18.1%}{flagged / runs:>9.1f}{plain:>7}/{runs}")
        if thin[0]:
            print(f"{'':<4}of which {thin[0]} fields with a thin anchor (some but under 5 points): anchor-rel. "
                  f"coverage {thin[1] / thin[2]:.1%} of {thin[2]}, median width {np.median(thin[3]):.0f} Elo")


def thin_anchor(fields: int, seed: int) -> None:
    """Anchor-relative coverage where the anchor took some but under 5 points (a draw or two),
    which the scoreless-anchor class draws in only 1 field of 5: many fields of that class."""
    rng = np.random.default_rng(seed + 1)
    hit = total = n = 0
    widths = []
    for _ in range(fields):
        true, (a, b, s) = field("scoreless anchor", rng)
        names = ["random", *(f"a{i}" for i in range(1, len(true)))]
        fit = fit_bt(PairCounts.from_arrays(names, a, b, s))
        if not any("placed by its own games" in w for w in fit.warnings):
            continue
        t = true - true[0]
        hit += int(np.sum(((fit.ci_low <= t) & (t <= fit.ci_high))[1:]))
        total += len(t) - 1
        n += 1
        widths += list((fit.ci_high - fit.ci_low)[1:])
    print(f"thin anchor: {n} of {fields} scoreless-anchor fields; anchor-rel. coverage {hit / total:.1%} "
          f"of {total} intervals, median width {np.median(widths):.0f} Elo")


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
    fit = fit_bt(counts)  # the board's default: prior, posterior intervals, ranks, LOS
    t4 = time.perf_counter()
    print(f"{agents} agents × {games:.0e} games ({len(counts.i)} pairs): aggregate {t1 - t0:.2f} s, "
          f"fit {t2 - t1:.2f} s, {n_boot} bootstrap refits {t3 - t2:.1f} s, RMSE {rmse(point, true):.1f}; "
          f"fit_bt with intervals {t4 - t3:.2f} s, RMSE {rmse(fit.rating, true):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--only", choices=["accuracy", "coverage", "speed"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    if args.only in (None, "accuracy"):
        accuracy(3 if args.quick else 10, rng)
    if args.only in (None, "coverage"):
        for intervals in ("posterior", "bootstrap"):
            coverage(10 if args.quick else 40, 100 if args.quick else 200, args.seed, intervals)
        thin_anchor(100 if args.quick else 400, args.seed)
    if args.only in (None, "speed"):
        speed(200, 10**6, 100, rng)
        speed(1000, 10**6, 200, rng)


if __name__ == "__main__":
    main()
