"""Training throughput of MuZero on Connect Four, this checkout against another one, side by
side (issue 18: the trainers' throughput stays within 10 % after the trainer kit).

    nice -n 10 python benchmarks/bench_muzero_throughput.py --against /work/wt/old500

Each round runs the same short training, `arena train muzero openspiel/connect_four` with the
Connect Four presets (ResNet, 256 games side by side, 16 simulations a move), a CPU-minutes
budget, a fixed seed, one process (--workers 1: self-play and learning in the trainer's
process, so its CPU time is the whole cost) and no evaluation games (--eval-games 0,
--set store_games=0), alternately in this checkout and in --against, each in a fresh process
that runs that checkout's code (its .venv's python if it has one, its folders first on
PYTHONPATH, started in its root). The two rates both versions write to metrics.jsonl
(`positions` and `steps` against `cpu_s`, the training loop's CPU seconds) are compared:

    self-play positions per CPU second   (moves of one game; what --steps counts since the kit)
    gradient steps per CPU second        (what --steps counted before it)

and the ratio this/other of each round's median. On a shared machine wall-clock rates are
noise; CPU-second rates are what one dedicated core would do, and alternating rounds cancel
the drift. `process CPU` (the child's whole CPU time, start-up included, from
getrusage(RUSAGE_CHILDREN)) checks that nothing outside the loop moved.

    python benchmarks/bench_muzero_throughput.py --cpu-minutes 0.5 --rounds 1

without --against measures this checkout alone."""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ENV = "openspiel/connect_four"
HERE = Path(__file__).resolve().parent.parent


def python_of(root: Path) -> str:
    venv = root / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def child_env(root: Path) -> dict:
    single = {k: "1" for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    return {**os.environ, **single, "PYTHONPATH": os.pathsep.join(str(root / d) for d in ("", "agents", "plugins"))}


def code_of(root: Path) -> str:
    """Where the trainer's code comes from in `root`'s processes (it must be `root` itself)."""
    return subprocess.run([python_of(root), "-c", "import arena_muzero.train as t; print(t.__file__)"],
                          capture_output=True, text=True, cwd=root, env=child_env(root), check=True).stdout.strip()


def run_once(root: Path, cpu_minutes: float, seed: int) -> dict:
    """One training run in a fresh process of `root`'s code; its last metrics row and the
    process's own CPU seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        command = [python_of(root), "-m", "arena", "train", "muzero", ENV, "--cpu-minutes", str(cpu_minutes),
                   "--seed", str(seed), "--workers", "1", "--out", str(out), "--eval-games", "0",
                   "--set", "store_games=0", "--no-progress"]
        load0, cpu0, wall0 = os.getloadavg()[0], children_cpu(), time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=root, env=child_env(root))
        wall, cpu, load1 = time.perf_counter() - wall0, children_cpu() - cpu0, os.getloadavg()[0]
        if done.returncode != 0:
            raise SystemExit(f"{root}: exit {done.returncode}: {done.stderr.strip()[-800:]}")
        rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line.strip()]
    last = rows[-1]
    return {"positions": last["positions"], "steps": last["steps"], "games": last["games"],
            "loop_cpu": last["cpu_s"], "loop_wall": last["elapsed_s"], "process_cpu": cpu, "process_wall": wall,
            "load": (load0 + load1) / 2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", type=Path, default=None, help="another checkout to compare with, side by side")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (one run of each checkout)")
    parser.add_argument("--cpu-minutes", type=float, default=2.0, help="CPU budget of each training run")
    parser.add_argument("--seed", type=int, default=0)
    opts = parser.parse_args()
    sides = {"this": HERE} | ({"other": opts.against.resolve()} if opts.against else {})
    for name, root in sides.items():
        print(f"{name:5s} {root}: {python_of(root)} runs {code_of(root)}")
    print(f"{ENV}, Connect Four presets, --cpu-minutes {opts.cpu_minutes:g}, seed {opts.seed}, "
          f"1 process, no evaluation games; rates per CPU second of the training loop")
    header = (f"{'round':>5} {'side':5} {'positions':>9} {'grad steps':>10} {'loop CPU s':>10} {'wall s':>7} "
              f"{'pos/CPU-s':>9} {'steps/CPU-s':>11} {'process CPU s':>13} {'load':>5}")
    print(header, flush=True)
    results: dict[str, list[dict]] = {name: [] for name in sides}
    for r in range(opts.rounds):
        # Alternate which side goes first, so a drift in the machine's load falls on both.
        order = list(sides) if r % 2 == 0 else list(reversed(sides))
        for name in order:
            m = run_once(sides[name], opts.cpu_minutes, opts.seed)
            m["pos_rate"], m["step_rate"] = m["positions"] / m["loop_cpu"], m["steps"] / m["loop_cpu"]
            results[name].append(m)
            print(f"{r + 1:>5} {name:5s} {m['positions']:>9,} {m['steps']:>10,} {m['loop_cpu']:>10.1f} "
                  f"{m['loop_wall']:>7.1f} {m['pos_rate']:>9.1f} {m['step_rate']:>11.2f} {m['process_cpu']:>13.1f} "
                  f"{m['load']:>5.2f}", flush=True)
    median = {name: {k: float(np.median([m[k] for m in ms])) for k in ("pos_rate", "step_rate")}
              for name, ms in results.items()}
    for name, m in median.items():
        print(f"median {name:5s}: {m['pos_rate']:.1f} positions/CPU-s, {m['step_rate']:.2f} gradient steps/CPU-s")
    if opts.against:
        a, b = median["this"], median["other"]
        print(f"this / other: positions per CPU second {a['pos_rate'] / b['pos_rate']:.3f}, "
              f"gradient steps per CPU second {a['step_rate'] / b['step_rate']:.3f}")


if __name__ == "__main__":
    main()
