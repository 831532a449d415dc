"""fivehero throughput with random legal actions, all heroes acting, in one process, and the
scripted team's score against random.

    python benchmarks/bench_fivehero_env.py [--seconds 5] [--games 100]

Env-steps/s are given by wall clock and by process CPU time (the latter is steadier on a
shared machine; the best burst is the min-of-repeats estimate). Paths measured side by side: the batched fast path (observe_all/step_all),
the PettingZoo Parallel API (step with dicts), and whole games through the arena referee
(random vs random, one act_team call per team per step).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import arena
from arena_fivehero.env import parallel_env


def timed(run, seconds: float) -> tuple[float, float, float]:
    """Steps per wall second and per CPU second of `run` over about `seconds`, and the
    best burst (timeit's min-of-repeats: the rate when other processes leave the core)."""
    wall, cpu, steps, best = time.perf_counter(), time.process_time(), 0, 0.0
    while time.perf_counter() - wall < seconds:
        start = time.perf_counter()
        n = run()
        steps += n
        best = max(best, n / (time.perf_counter() - start))
    return steps / (time.perf_counter() - wall), steps / (time.process_time() - cpu), best


def fast_path(team_size: int):
    env, rng = parallel_env(team_size=team_size), np.random.default_rng(0)
    env.reset(seed=0)

    def run() -> int:
        for _ in range(100):
            _, mask = env.observe_all()
            _, terminated, truncated = env.step_all((rng.random(mask.shape) * mask).argmax(1))
            if terminated or truncated:
                env.reset()
        return 100
    return run


def pettingzoo_api(team_size: int):
    env, rng = parallel_env(team_size=team_size), np.random.default_rng(0)
    state = {"obs": env.reset(seed=0)[0]}

    def run() -> int:
        for _ in range(100):
            if not env.agents:
                state["obs"] = env.reset()[0]
            obs = state["obs"]
            mask = np.stack([obs[a]["action_mask"] for a in env.agents])
            actions = (rng.random(mask.shape) * mask).argmax(1).tolist()
            state["obs"] = env.step(dict(zip(env.agents, actions)))[0]
        return 100
    return run


def referee(team_size: int):
    env = arena.make_env(f"fivehero/{team_size}v{team_size}")
    seeds = iter(range(10**9))

    def run() -> int:
        agents = [arena.make_agent("random", env) for _ in range(2)]
        return arena.play(env, agents, seed=next(seeds)).plies
    return run


def scripted_vs_random(games: int) -> tuple[float, dict]:
    env = arena.make_env("fivehero/5v5")
    score, results = 0.0, {"win": 0, "draw": 0, "loss": 0}
    for game in range(games):
        agents = [arena.make_agent("fivehero-scripted", env), arena.make_agent("random", env)]
        side = game % 2  # both sides in turn
        record = arena.play(env, agents if side == 0 else agents[::-1], seed=game)
        s = record.scores[side]
        score += s
        results["win" if s == 1 else "draw" if s == 0.5 else "loss"] += 1
    return score / games, results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--games", type=int, default=100)
    args = parser.parse_args()
    for team_size in (5, 3, 1):
        for name, make in (("step_all (batched)", fast_path), ("PettingZoo step", pettingzoo_api),
                           ("arena referee", referee)):
            wall, cpu, best = timed(make(team_size), args.seconds)
            print(f"fivehero/{team_size}v{team_size} {name:20s} {wall:7.0f} env-steps/s wall "
                  f"{cpu:7.0f} per CPU second {best:7.0f} best burst", flush=True)
    if args.games:
        t = time.perf_counter()
        score, results = scripted_vs_random(args.games)
        print(f"fivehero/5v5 fivehero-scripted vs random over {args.games} games (both sides): "
              f"score {score:.1%} {results} in {time.perf_counter() - t:.0f}s")


if __name__ == "__main__":
    main()
