"""Training throughput of turn-based PPO (default: Leduc poker with the documented recipe),
this checkout against another one, side by side.

    nice -n 10 python benchmarks/bench_ppo_turns_throughput.py --against /work/wt/before

Each round runs the same short training, `arena train ppo ENV --cpu-minutes M --seed S` with
the recipe's settings but no evaluation games and no exploitability measurements (so that
only the loop is timed), alternately in this checkout and in --against, each in a fresh
process that runs that checkout's code (as bench_muzero_throughput.py does). Compared:

    decisions per CPU second   (env steps: moves of one game)
    updates per CPU second     (iterations of the loop; what a CPU-minutes budget buys)

from metrics.jsonl's last row (`step`, `iteration` against `cpu`, the process's CPU seconds
counted by the run's budget), and the ratio this/other of each side's median.

    python benchmarks/bench_ppo_turns_throughput.py --cpu-minutes 0.5 --rounds 1

without --against measures this checkout alone."""

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from bench_muzero_throughput import HERE, child_env, python_of

ENV = "openspiel/leduc_poker"
# The Leduc recipe of docs/training.md, less its measurements (eval_games, exploitability_every).
RECIPE = ("magnet_rate=0", "magnet_coef=0.1", "magnet_coef_final=0.01", "magnet_schedule=geometric",
          "average_rate=0.005", "average_rate_final=0.001", "batch=8192", "lr=3e-4", "lr_final=1e-4",
          "final_at=0.8", "average_by=distillation", "distill_lr_final=3e-5", "clip=0.5",
          "eval_games=0", "exploitability_every=1e9")


def run_once(root: Path, env_id: str, cpu_minutes: float, seed: int, sets: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        command = [python_of(root), "-m", "arena", "train", "ppo", env_id, "--cpu-minutes", str(cpu_minutes),
                   "--seed", str(seed), "--out", str(Path(tmp) / "run"), "--no-progress"]
        command += [arg for s in sets for arg in ("--set", s)]
        done = subprocess.run(command, capture_output=True, text=True, cwd=root, env=child_env(root))
        if done.returncode != 0:
            raise SystemExit(f"{root}: exit {done.returncode}: {done.stderr.strip()[-800:]}")
        rows = [json.loads(line) for line in (Path(tmp) / "run" / "metrics.jsonl").read_text().splitlines()]
    last = [r for r in rows if "sps" in r][-1]  # the last update's row (not the final measurement)
    return {"steps": last["step"], "updates": last["iteration"], "cpu": last["cpu"], "wall": last["elapsed"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", type=Path, default=None, help="another checkout to compare with, side by side")
    parser.add_argument("--env", default=ENV)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (one run of each checkout)")
    parser.add_argument("--cpu-minutes", type=float, default=1.5, help="CPU budget of each training run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--set", action="append", default=None, metavar="KEY=VALUE",
                        help=f"trainer settings (default: the Leduc recipe, {' '.join(RECIPE)})")
    opts = parser.parse_args()
    sets = list(RECIPE) if opts.set is None else opts.set
    sides = {"this": HERE} | ({"other": opts.against.resolve()} if opts.against else {})
    for name, root in sides.items():
        print(f"{name:5s} {root}: {python_of(root)}")
    print(f"{opts.env}, --cpu-minutes {opts.cpu_minutes:g}, seed {opts.seed}, one process; rates per CPU second")
    print(f"{'round':>5} {'side':5} {'decisions':>10} {'updates':>7} {'CPU s':>6} {'wall s':>6} "
          f"{'decisions/CPU-s':>15} {'updates/CPU-min':>15}", flush=True)
    rates: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    for r in range(opts.rounds):
        for name in list(sides) if r % 2 == 0 else list(reversed(sides)):  # a drift falls on both sides
            m = run_once(sides[name], opts.env, opts.cpu_minutes, opts.seed, sets)
            rate = (m["steps"] / m["cpu"], 60 * m["updates"] / m["cpu"])
            rates[name].append(rate)
            print(f"{r + 1:>5} {name:5s} {m['steps']:>10,} {m['updates']:>7} {m['cpu']:>6.1f} {m['wall']:>6.1f} "
                  f"{rate[0]:>15.0f} {rate[1]:>15.1f}", flush=True)
    median = {name: np.median(np.array(r), axis=0) for name, r in rates.items()}
    for name, (d, u) in median.items():
        print(f"median {name:5s}: {d:.0f} decisions/CPU-s, {u:.1f} updates/CPU-min")
    if opts.against:
        (d1, u1), (d2, u2) = median["this"], median["other"]
        print(f"this / other: decisions per CPU second {d1 / d2:.3f}, updates per CPU second {u1 / u2:.3f}")


if __name__ == "__main__":
    main()
