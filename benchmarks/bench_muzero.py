"""MuZero benchmark: train tic-tac-toe within a time budget (or take a checkpoint), then
check it with evaluation that cannot hide failure, and measure search throughput.

    python benchmarks/bench_muzero.py --minutes 10 --out runs/bench-ttt
    python benchmarks/bench_muzero.py --checkpoint agents/arena_muzero/checkpoints/tic_tac_toe.pt

Prints: peak memory of the training run (all its processes), exhaustive losses against
every opponent move sequence from both seats (sims=16 and the raw policy, sims=0), 1,000
games per seat against uniform random, the raw network against an exact minimax solver
on every reachable position, and simulations per second, batched and single.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyspiel
import torch

ENV = "openspiel/tic_tac_toe"


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
            with open(f"/proc/{p}/task/{p}/children") as f:
                stack.extend(int(c) for c in f.read().split())
        except (OSError, StopIteration):
            pass
    return total / 1024


def train(minutes: float, out: Path, workers: int, cpu: bool) -> dict:
    budget = ["--cpu-minutes" if cpu else "--minutes", str(minutes)]
    cmd = [sys.executable, "-m", "arena", "train", "muzero", ENV, *budget, "--out", str(out),
           "--workers", str(workers), "--db", str(out.parent / "bench-arena.db")]
    print("$", " ".join(cmd[1:]), flush=True)
    start, peak = time.perf_counter(), 0.0
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    while proc.poll() is None:
        peak = max(peak, tree_rss_mb(proc.pid))
        time.sleep(0.5)
    if proc.returncode:
        sys.exit(f"training failed with exit code {proc.returncode}")
    ckpt = torch.load(out / "latest.pt", weights_only=True)
    return {"wall_s": time.perf_counter() - start, "peak_rss_mb": peak, **ckpt["progress"]}


def check(checkpoint: Path, games: int) -> dict:
    from arena_muzero import evaluate as ev
    from arena_muzero.agent import Player, load_checkpoint, net_from_checkpoint

    net = net_from_checkpoint(load_checkpoint(checkpoint))
    game = pyspiel.load_game("tic_tac_toe")
    result = {"positions": ev.position_stats(net, game)}
    for sims in (16, 0):
        player = Player(net, (3, 3, 3), sims)
        result[f"exhaustive_sims{sims}"] = [ev.exhaustive(player, game, seat) for seat in (0, 1)]
        result[f"random_sims{sims}"] = [ev.vs_random(player, ENV, games, seat, seed=12345) for seat in (0, 1)]
    # The same search with training's min-max Q rescaling, for comparison.
    minmax = Player(net, (3, 3, 3), 16, rescale="minmax")
    result["exhaustive_sims16_minmax"] = [ev.exhaustive(minmax, game, seat) for seat in (0, 1)]
    return result


def throughput() -> dict:
    """Simulations per second: many games in one search call vs one game at a time."""
    from arena import make_env
    from arena_muzero.model import NumpyModel, build
    from arena_muzero.search import SearchConfig, search
    from arena_muzero.train import presets

    out = {}
    for env_id in ("openspiel/tic_tac_toe", "openspiel/connect_four"):  # the training presets' nets
        cfg, train = presets(env_id, make_env(env_id).info)
        name, batch = f"{env_id} {cfg.kind}", train.num_envs
        model = NumpyModel(build(cfg).eval(), cfg.obs_shape)
        rng = np.random.default_rng(0)
        for b in (1, batch):
            obs = np.zeros((b, int(np.prod(cfg.obs_shape))), np.float32)
            legal = np.ones((b, cfg.num_actions), bool)
            sc = SearchConfig(num_simulations=16)
            search(model, obs, np.zeros(b, int), legal, sc, rng)  # warm-up
            reps, start = 0, time.perf_counter()
            while time.perf_counter() - start < 2.0:
                search(model, obs, np.zeros(b, int), legal, sc, rng)
                reps += 1
            out[f"{name} batch {b}"] = reps * b * 16 / (time.perf_counter() - start)
    return out


def main() -> None:
    torch.set_num_threads(1)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--cpu", action="store_true", help="budget in CPU minutes of the learner, not wall")
    ap.add_argument("--out", type=Path, default=Path("runs/bench-ttt"))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--checkpoint", type=Path, help="skip training; check this checkpoint")
    ap.add_argument("--games", type=int, default=1000)
    args = ap.parse_args()
    report = {}
    checkpoint = args.checkpoint
    if checkpoint is None:
        if (args.out / "latest.pt").exists():
            sys.exit(f"{args.out} holds a run already; choose another --out")
        report["training"] = train(args.minutes, args.out, args.workers, args.cpu)
        checkpoint = args.out / "latest.pt"
    report["checkpoint"] = str(checkpoint)
    report.update(check(checkpoint, args.games))
    report["sims_per_s"] = throughput()
    print(json.dumps(report, indent=1))
    summarize(report)


def summarize(r: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title="MuZero tic-tac-toe")
    t.add_column("check")
    t.add_column("result")
    t.add_column("target")
    if "training" in r:
        tr = r["training"]
        t.add_row("training", f"{tr['wall_s']/60:.1f} min wall, {tr['cpu_s']/60:.1f} min CPU (learner), "
                  f"{tr['steps']} steps, {tr['games']} games", "≤ 10 min")
        t.add_row("peak memory (all processes)", f"{tr['peak_rss_mb']:.0f} MB", "≤ 1024 MB")
    for sims in (16, 0):
        e = r[f"exhaustive_sims{sims}"]
        t.add_row(f"exhaustive, sims={sims}", f"lost {e[0]['lost']}/{e[0]['lines']} lines first, "
                  f"{e[1]['lost']}/{e[1]['lines']} second", "0 lost")
        g = r[f"random_sims{sims}"]
        t.add_row(f"vs random, sims={sims}", f"first {g[0]['win']:.1%} win {g[0]['loss']:.1%} loss; "
                  f"second {g[1]['win']:.1%} win {g[1]['loss']:.1%} loss", "≥ 98 % / ≥ 85 %, no loss")
    e = r["exhaustive_sims16_minmax"]
    t.add_row("exhaustive, sims=16, min-max Q", f"lost {e[0]['lost']}/{e[0]['lines']} first, "
              f"{e[1]['lost']}/{e[1]['lines']} second", "(comparison)")
    p = r["positions"]
    t.add_row("raw policy argmax optimal", f"{p['policy_optimal']:.2%} of {p['positions']}", "≥ 99 %")
    t.add_row("value sign = minimax", f"{p['value_sign']:.2%} (rounded: {p['value_rounded']:.2%})", "≥ 95 %")
    for k, v in r["sims_per_s"].items():
        t.add_row(f"sims/s {k}", f"{v:,.0f}", "")
    Console().print(t)


if __name__ == "__main__":
    main()
