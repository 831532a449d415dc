"""Training throughput of team PPO on fivehero/5v5 (target ≥ 2,000 env-steps/s for the whole
loop, rollout and update, on one core), next to the env alone with random legal actions.

    nice -n 10 python benchmarks/bench_ppo_throughput.py --steps 40960

One env step = one step of one 5v5 game, all ten heroes acting. Rates are given per wall
second and per CPU second of this process (torch uses one thread): on a shared machine the
CPU-second rate is what one dedicated core would do.

    python benchmarks/bench_ppo_throughput.py --steps 16384 --against /path/to/other/checkout

runs the same measurement alternately on this checkout and another one (say, main before a
change), in fresh processes, and prints the CPU-rate ratio side by side.

    python benchmarks/bench_ppo_throughput.py --steps 8192 --workers 2 --against-workers 1

compares this checkout with its envs stepped in 2 worker processes against 1 process,
alternately in fresh processes, by env steps per wall second (the rate workers are for; the
CPU rate counts the trainer's process only)."""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

import arena
from arena_ppo.train import Args, train

ENV = "fivehero/5v5:shaped=true"


def clocks():
    return time.perf_counter(), time.process_time()


def random_env_rate(steps: int) -> tuple[float, float]:
    env = arena.make_env(ENV).env  # the PettingZoo env under the adapter
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    wall, cpu = clocks()
    for _ in range(steps):
        _, mask = env.observe_all()
        # Uniform over legal actions, drawn for all heroes at once (Gumbel-max over the mask).
        actions = np.argmax(np.where(mask > 0, rng.gumbel(size=mask.shape), -np.inf), axis=1)
        _, terminated, truncated = env.step_all(actions)
        if terminated or truncated:
            env.reset(seed=int(rng.integers(1 << 30)))
    w, c = clocks()
    return steps / (w - wall), steps / (c - cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=40_960)
    parser.add_argument("--num-envs", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--against", default=None, help="another checkout to compare with, side by side")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds for --against")
    parser.add_argument("--workers", type=int, default=1, help="processes that step the envs")
    parser.add_argument("--against-workers", type=int, default=None,
                        help="compare --workers with this many workers, side by side, by wall-clock rate")
    opts = parser.parse_args()
    if opts.against or opts.against_workers:
        return compare(opts)
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as out:
        # The settings of the fivehero training run (see bench_ppo_fivehero.py); a snapshot
        # every 2 iterations and 20 % random opponents so that every opponent path runs.
        args = dict(env_id=ENV, out=out, num_envs=opts.num_envs, epochs=opts.epochs, hidden=opts.hidden,
                    progress=False, eval_every=10**9, snapshot_every=2, random_fraction=0.2,
                    **({"workers": opts.workers} if opts.workers != 1 else {}))
        train(Args(steps=2048, **args))  # warm-up: imports, first allocations
        wall, cpu = clocks()
        result = train(Args(steps=opts.steps, seed=2, **args))
        w, c = clocks()
    steps = result["step"]
    env_wall, env_cpu = random_env_rate(5000)
    print(f"{ENV}, {opts.num_envs} envs x 64 steps, {opts.epochs} epochs x 2 minibatches, hidden {opts.hidden}, "
          f"self-play pool on, {opts.workers} env worker process(es)")
    print(f"whole training loop: {steps:,} env steps in {w - wall:.1f} s wall, {c - cpu:.1f} s CPU")
    print(f"  {steps / (w - wall):8.0f} env-steps/s per wall second")
    print(f"  {steps / (c - cpu):8.0f} env-steps/s per CPU second (one core)   target >= 2000")
    print(f"env alone, random legal actions: {env_wall:.0f}/s wall, {env_cpu:.0f}/s per CPU second")
    print(f"training loop / env alone (CPU): {steps / (c - cpu) / env_cpu:.2f}")


def compare(opts) -> None:
    """This checkout vs `opts.against` (or vs itself at `opts.against_workers` workers),
    alternating, each run in a fresh process whose imports come from that checkout; the ratio
    of the training loop's env steps per CPU second (per wall second when comparing workers)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if opts.against_workers:
        runs = {f"{opts.workers} workers": (here, opts.workers), f"{opts.against_workers} workers": (here, opts.against_workers)}
    else:
        runs = {"this": (here, opts.workers), "other": (os.path.abspath(opts.against), 1)}
    unit = "wall" if opts.against_workers else "CPU"
    rates: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(opts.rounds):
        for name, (root, workers) in runs.items():
            path = os.pathsep.join(os.path.join(root, d) for d in ("", "agents", "plugins"))
            done = subprocess.run([sys.executable, os.path.abspath(__file__), "--steps", str(opts.steps),
                                   "--num-envs", str(opts.num_envs), "--epochs", str(opts.epochs),
                                   "--hidden", str(opts.hidden), "--workers", str(workers)], capture_output=True, text=True,
                                  env={**os.environ, "PYTHONPATH": path}, cwd=root)
            found = re.search(rf"(\d+) env-steps/s per {unit} second", done.stdout)
            if not found:
                raise SystemExit(f"{name} failed: {done.stderr[-500:]}")
            rates[name].append(float(found[1]))
            print(f"{name:9s} {root}: {found[1]} env-steps per {unit} second", flush=True)
    (first, a), (second, b) = ((name, np.mean(r)) for name, r in rates.items())
    print(f"{first} / {second}: {a / b:.3f}  ({a:.0f} vs {b:.0f} env-steps per {unit} second)")


if __name__ == "__main__":
    main()
