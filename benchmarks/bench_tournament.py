"""Tournament throughput: games/s with --concurrency 2 against --concurrency 1, same run.

    python benchmarks/bench_tournament.py [--games 40] [--repeats 2] [--sims 300]

A CPU-bound pairing (mcts:sims=300 against an identical mcts, spelled differently so the two
specs are distinct) on Connect Four. Runs alternate 1, 2, 1, 2, ... so that load from other
processes hits both settings alike; each run is a whole tournament into a fresh SQLite file
(validation, worker start-up and commits included) and is timed by wall clock. Concurrency 1
plays in-process, so start-up favours it: the ratio is a conservative one.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from arena.backends import make_backend
from arena.store import Store
from arena.tournament import TournamentConfig, run_tournament


def one_run(config: TournamentConfig, workers: int, folder: Path) -> float:
    backend = make_backend("local", workers)
    start = time.perf_counter()
    try:
        result = run_tournament(config, Store(folder / f"c{workers}-{time.time_ns()}.db"), backend)
    finally:
        backend.close()
    elapsed = time.perf_counter() - start
    assert result.played == config.games
    return config.games / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--sims", type=int, default=300)
    args = parser.parse_args()
    config = TournamentConfig("openspiel/connect_four", [f"mcts:sims={args.sims}", f"mcts:sims={args.sims},uct_c=2"],
                              games=args.games)
    print(f"cores available: {len(os.sched_getaffinity(0))}, load average: {os.getloadavg()[0]:.2f}")
    rates: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            for workers in (1, 2):
                rate = one_run(config, workers, Path(tmp))
                rates[workers].append(rate)
                print(f"concurrency {workers}: {args.games} games, {rate:.2f} games/s")
    mean = {w: sum(r) / len(r) for w, r in rates.items()}
    print(f"mean games/s: concurrency 1 {mean[1]:.2f}, concurrency 2 {mean[2]:.2f}; "
          f"speed-up {mean[2] / mean[1]:.2f}x (target >= 1.8x); load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
