"""False-positive rate and power of the GSPRT by simulation.

    nice python benchmarks/sim_sprt.py                       # 400 tests per hypothesis
    nice python benchmarks/sim_sprt.py --tests 2000 --pentanomial

Each simulated test plays seat-swapped game pairs with logistic outcomes at the true Elo and
P(draw) = 4 d p (1 − p) (d = draw rate between equals) until the SPRT decides. Targets:
false positives (true elo = elo0) ≤ α, power (true elo = elo1) ≥ 1 − β − 0.02.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from arena.ratings import SPRT, expected_score


def one_test(true_elo: float, args, rng: np.random.Generator) -> tuple[str, int]:
    """Run one SPRT to a decision; returns (decision, games played)."""
    p = expected_score(true_elo, 0)
    draw = 4 * args.draws * p * (1 - p)
    test = SPRT(args.elo0, args.elo1, args.alpha, args.beta, pentanomial=args.pentanomial)
    pairs = 0
    while test.status() is None:  # check every `batch` pairs: llr costs two root finds
        u = rng.random((args.batch, 2))
        scores = np.where(u < p - draw / 2, 1.0, np.where(u < p + draw / 2, 0.5, 0.0))
        for s1, s2 in scores.tolist():
            test.add_pair(s1, s2)
        pairs += args.batch
    return test.status(), 2 * pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=400, help="simulated SPRTs per hypothesis")
    parser.add_argument("--elo0", type=float, default=0.0)
    parser.add_argument("--elo1", type=float, default=10.0)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--beta", type=float, default=0.05)
    parser.add_argument("--draws", type=float, default=0.4, help="draw rate between equals")
    parser.add_argument("--batch", type=int, default=8, help="game pairs between LLR checks")
    parser.add_argument("--pentanomial", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    mode = "pentanomial" if args.pentanomial else "trinomial"
    print(f"GSPRT [{args.elo0:g}, {args.elo1:g}] α={args.alpha} β={args.beta}, {mode}, {args.tests} tests each")
    for label, elo, target in (("false positives at elo0", args.elo0, f"≤ {args.alpha:.1%}"),
                               ("power at elo1", args.elo1, f"≥ {1 - args.beta - 0.02:.1%}")):
        t0 = time.perf_counter()
        runs = [one_test(elo, args, rng) for _ in range(args.tests)]
        h1 = sum(d == "H1" for d, _ in runs) / len(runs)
        se = np.sqrt(h1 * (1 - h1) / len(runs))
        games = np.mean([g for _, g in runs])
        print(f"{label:>24}: H1 {h1:.1%} ± {se:.1%} (target {target}), mean {games:.0f} games, "
              f"{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
