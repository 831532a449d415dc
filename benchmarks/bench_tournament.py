"""Tournament throughput: games/s with --concurrency 2 against --concurrency 1, same run.

    python benchmarks/bench_tournament.py [--games 100] [--repeats 2] [--sims 300]

A CPU-bound pairing (mcts:sims=300 against an identical mcts, spelled differently so the two
specs are distinct) on Connect Four. Runs alternate 1, 2, 1, 2, ... so that load from other
processes hits both settings alike; each run is a whole tournament into a fresh SQLite file
(validation, worker start-up and commits included) and is timed by wall clock; the steady
rate counts from the first finished game to the last, leaving out start-up. Concurrency 1
plays in one worker forked from the arena (cheaper to start than a forkserver's workers). On a shared machine the ratio also measures how
much of a second core the other processes leave free: compare with the load average printed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

from arena.backends import make_backend
from arena.store import Store
from arena.tournament import Progress, TournamentConfig, run_tournament


def one_run(config: TournamentConfig, workers: int, folder: Path) -> tuple[float, float, float]:
    """(games/s over the whole run, games/s from the first finished game to the last, cores
    obtained: CPU seconds of this process and its workers per wall-clock second)."""
    finished: list[float] = []
    backend = make_backend("local", workers)
    cpu_before, start = cpu_seconds(os.getpid()), time.perf_counter()
    try:
        result = run_tournament(config, Store(folder / f"c{workers}-{time.time_ns()}.db"), backend,
                                progress=Progress(game=lambda record: finished.append(time.perf_counter())))
        elapsed = time.perf_counter() - start
        cores = (cpu_seconds(os.getpid()) - cpu_before) / elapsed  # read while the workers live
    finally:
        backend.close()
    assert result.played == config.games == len(finished)
    return config.games / elapsed, (len(finished) - 1) / (finished[-1] - finished[0]), cores


def cpu_seconds(root: int) -> float:
    """CPU time of a process and all its descendants (forkserver workers included), from /proc."""
    parent, ticks = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process just ended
            continue
        pid = int(stat.parent.name)
        parent[pid], ticks[pid] = int(fields[1]), int(fields[11]) + int(fields[12])
    def in_tree(pid: int) -> bool:
        while pid > 1:
            if pid == root:
                return True
            pid = parent.get(pid, 1)
        return False
    return sum(t for pid, t in ticks.items() if in_tree(pid)) / os.sysconf("SC_CLK_TCK")


def _burn(n: int) -> float:
    x = 0
    for i in range(n):
        x += i * i
    return float(x)


def machine_parallelism(n: int = 10_000_000) -> float:
    """Control: the speed-up two plain CPU-bound processes get over one right now. On an idle
    2-core machine it is ~2; when other jobs hold the cores it bounds what any pool can get."""
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(2) as pool:
        pool.map(_burn, [1, 1])  # start-up out of the timing
        start = time.perf_counter()
        pool.map(_burn, [n])
        one = time.perf_counter() - start
        start = time.perf_counter()
        pool.map(_burn, [n, n], chunksize=1)
        two = time.perf_counter() - start
    return 2 * one / two


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--sims", type=int, default=300)
    args = parser.parse_args()
    config = TournamentConfig("openspiel/connect_four", [f"mcts:sims={args.sims}", f"mcts:sims={args.sims},uct_c=2"],
                              games=args.games)
    print(f"cores available: {len(os.sched_getaffinity(0))}, load average: {os.getloadavg()[0]:.2f}")
    rates: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
    controls: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            control = machine_parallelism()
            print(f"control: two CPU-bound processes run {control:.2f}x as fast as one right now")
            controls.append(control)
            for workers in (1, 2):
                whole, steady, cores = one_run(config, workers, Path(tmp))
                rates[workers].append((whole, steady, cores))
                print(f"concurrency {workers}: {args.games} games, {whole:.2f} games/s over the whole run, "
                      f"{steady:.2f} games/s first to last game, {cores:.2f} cores obtained")
    mean = {w: [sum(r[k] for r in rs) / len(rs) for k in range(3)] for w, rs in rates.items()}
    for k, what in ((0, "whole run (start-up included)"), (1, "steady state (first to last game)")):
        print(f"{what}: concurrency 1 {mean[1][k]:.2f} games/s, concurrency 2 {mean[2][k]:.2f} games/s, "
              f"speed-up {mean[2][k] / mean[1][k]:.2f}x (target >= 1.8x)")
    print(f"cores obtained: concurrency 1 {mean[1][2]:.2f}, concurrency 2 {mean[2][2]:.2f} "
          f"(ratio {mean[2][2] / mean[1][2]:.2f}); games per CPU-second: concurrency 1 "
          f"{mean[1][0] / mean[1][2]:.2f}, concurrency 2 {mean[2][0] / mean[2][2]:.2f}; "
          f"load average now {os.getloadavg()[0]:.2f}")
    control = sum(controls) / len(controls)
    print(f"machine control speed-up {control:.2f}x; tournament steady speed-up / control = "
          f"{mean[2][1] / mean[1][1] / control:.2f}")


if __name__ == "__main__":
    main()
