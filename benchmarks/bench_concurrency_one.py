"""What playing `--concurrency 1` in a worker process costs: the same small tournament with
its games played in the arena's own process (as before; no crash of agent code survives it),
in one worker forked from the arena (what `arena tournament --concurrency 1` does now), and in
one worker started from a forkserver (the alternative: a fresh interpreter that imports the
arena again).

    nice python benchmarks/bench_concurrency_one.py [--games 10] [--repeats 5]

Each run is a fresh interpreter doing what the command does (imports, the agents' check, a
tournament of `--games` tic-tac-toe games between random and mcts:sims=2 into a fresh SQLite
file, closing the workers), timed by wall clock from its start to its exit. The three ways
alternate run by run, so that load from other processes hits them alike; medians are shown.
(Two copies of `random` are one spec, which a tournament refuses; mcts:sims=2 is as cheap.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

WAYS = ("in-process", "forked worker", "forkserver worker")

CHILD = r"""
import multiprocessing, os, sys
from arena.backends import InlineBackend, LocalPool, make_backend
from arena.store import Store
from arena.tournament import TournamentConfig, run_tournament

def main(way, games, db):
    env_id, agents = "openspiel/tic_tac_toe", ["random", "mcts:sims=2"]
    if way == "in-process":
        backend = InlineBackend()
    elif way == "forked worker":
        backend = make_backend("local", 1, None, env_id, agents)
        assert isinstance(backend, LocalPool) and backend.context.get_start_method() == "fork"
    else:
        backend = LocalPool(1)
        backend.context = multiprocessing.get_context("forkserver")
        backend.context.set_forkserver_preload(["arena._die_with_parent", "arena._warm"])
        backend.warm_up(env_id, agents)
    try:
        with Store(db) as store:
            result = run_tournament(TournamentConfig(env_id, agents, games=games), store, backend)
    finally:
        backend.close()
    assert result.played == games

if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
"""


def one_run(way: str, games: int, folder: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", CHILD, way, str(games), os.path.join(folder, f"{time.time_ns()}.db")],
                   check=True)
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--games", type=int, default=10)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    times: dict[str, list[float]] = {way: [] for way in WAYS}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeats):
            for way in WAYS:
                times[way].append(one_run(way, args.games, folder))
    base = statistics.median(times["in-process"])
    print(f"{args.games} tic-tac-toe games, random vs mcts:sims=2, {args.repeats} runs each, "
          f"load average {os.getloadavg()[0]:.1f}")
    for way in WAYS:
        median = statistics.median(times[way])
        print(f"  {way:18s} median {median:5.2f} s  (+{median - base:4.2f} s)  runs: "
              + " ".join(f"{t:.2f}" for t in times[way]))


if __name__ == "__main__":
    main()
