"""Subprocess agents: round-trip speed, and no spurious timeouts under a tight clock.

    nice python benchmarks/bench_remote.py                 # both parts (about 2 minutes)
    nice python benchmarks/bench_remote.py --part speed    # only the round-trip speed

speed:    the same trivial agent (uniform random) answering `act` on a real tic-tac-toe
          observation, in-process vs out of process (serve-agent, and the dependency-free
          example script); whole games of random vs random likewise. Medians of 5 runs,
          measured side by side.
timeouts: agents that answer after 10 ms under a 50 ms per-move limit, two games at once
          (the core count), through the tournament runner, until 10,000 moves are played;
          target: at most 0.05 % of moves time out. --load N runs N CPU-bound processes (at
          normal priority) alongside, so that the agents compete for the cores:

    nice python benchmarks/bench_remote.py --part timeouts --load 2
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from arena import make_agent, make_env, play
from arena.agents import Observation
from arena.remote import isolated

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = f"cmd:{sys.executable} {ROOT / 'examples' / 'agents' / 'random_bot.py'}"
HOSTILE = ROOT / "tests" / "hostile" / "hostile.py"


def acts_per_second(agent, env, n: int) -> float:
    env.reset(0)
    agent.reset((0,), 0)
    obs = Observation(env, 0, 1.0, False)
    start = time.perf_counter()
    for _ in range(n):
        obs = Observation(env, 0, 1.0, False)  # a fresh view each time, as the referee makes
        agent.act(obs)
    return n / (time.perf_counter() - start)


def games_per_second(agents, env, n: int) -> tuple[float, float]:
    start, moves = time.perf_counter(), 0
    for seed in range(n):
        moves += play(env, agents, seed).plies
    elapsed = time.perf_counter() - start
    return n / elapsed, moves / elapsed


def speed(moves: int, games: int) -> None:
    env = make_env("openspiel/tic_tac_toe")
    contenders = {
        "in-process random": make_agent("random", env),
        "serve-agent random (subprocess)": isolated("random", env.info.id),
        "random_bot.py (subprocess)": make_agent(EXAMPLE, env),
    }
    opponent = make_agent("random", env)
    rates = {name: [] for name in contenders}
    game_rates = {name: [] for name in contenders}
    for _ in range(5):  # interleaved, so load on this shared machine hits all alike
        for name, agent in contenders.items():
            rates[name].append(acts_per_second(agent, env, moves))
            game_rates[name].append(games_per_second([agent, opponent], env, games))
    base = statistics.median(rates["in-process random"])
    print(f"act round trips on openspiel/tic_tac_toe, median of 5 x {moves}:")
    for name, values in rates.items():
        m = statistics.median(values)
        print(f"  {name:34s} {m:10,.0f} moves/s   ratio to in-process {m / base:6.3f}")
    base_games = statistics.median(g for g, _ in game_rates["in-process random"])
    print(f"whole games vs in-process random, median of 5 x {games}:")
    for name, values in game_rates.items():
        g = statistics.median(v[0] for v in values)
        steps = statistics.median(v[1] for v in values)
        print(f"  {name:34s} {g:10,.0f} games/s {steps:9,.0f} steps/s  ratio {g / base_games:6.3f}")
    for agent in contenders.values():
        agent.close()


def burners(n: int) -> list:
    """n processes that spin on a core each, at the benchmark's own priority."""
    import subprocess

    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def timeouts(target_moves: int, concurrency: int, delay: float, limit: float, load: int = 0) -> None:
    hogs = burners(load)
    try:
        _timeouts(target_moves, concurrency, delay, limit, load)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def _timeouts(target_moves: int, concurrency: int, delay: float, limit: float, load: int) -> None:
    from arena.backends import LocalPool
    from arena.store import Store
    from arena.tournament import TournamentConfig, run_tournament

    slow = [f"cmd:{sys.executable} {HOSTILE} none --delay {delay} --tag {tag}" for tag in ("a", "b")]
    per_game = 21  # connect four random games average ~21 plies
    games = 2 * (target_moves // per_game // 2 + 1)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        config = TournamentConfig("openspiel/connect_four", slow, games=games, time_per_move=limit)
        backend = LocalPool(concurrency)
        start = time.perf_counter()
        try:
            result = run_tournament(config, store, backend, validate=False)
        finally:
            backend.close()
        elapsed = time.perf_counter() - start
    records = result.records
    moves = sum(r.plies for r in records)
    timed_out = sum(r.termination == "timeout" for r in records)
    worst = max(max(r.latencies, default=0.0) for r in records)
    print(f"agents answering after {delay * 1000:.0f} ms, limit {limit * 1000:.0f} ms per move, "
          f"concurrency {concurrency}, {load} CPU-bound processes alongside: {len(records)} games, "
          f"{moves} moves in {elapsed:.0f}s")
    print(f"  timeouts: {timed_out} = {100 * timed_out / moves:.3f} % of moves (target <= 0.05 %); "
          f"slowest answer {worst * 1000:.1f} ms")
    for r in records:
        if r.termination == "timeout":
            print(f"    {r.reason}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--part", choices=["speed", "timeouts", "all"], default="all")
    p.add_argument("--moves", type=int, default=3000, help="act calls per speed run")
    p.add_argument("--games", type=int, default=200, help="games per speed run")
    p.add_argument("--timeout-moves", type=int, default=10_000)
    p.add_argument("--concurrency", type=int, default=2)
    p.add_argument("--load", type=int, default=0, help="CPU-bound processes running alongside (timeouts)")
    args = p.parse_args()
    if args.part in ("speed", "all"):
        speed(args.moves, args.games)
    if args.part in ("timeouts", "all"):
        timeouts(args.timeout_moves, args.concurrency, delay=0.010, limit=0.050, load=args.load)


if __name__ == "__main__":
    main()
