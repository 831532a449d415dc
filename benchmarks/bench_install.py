"""What `pip install arena-league` costs, with and without the training extra, and how fast
`arena --help` starts compared with an older commit.

    nice python benchmarks/bench_install.py                    # both parts (a few minutes)
    nice python benchmarks/bench_install.py --part startup --before 12a110e

install: this checkout built into a wheel, then installed with its dependencies into fresh
         virtual environments (no system packages) from the configured package indexes:
         the core alone, then torch==2.13.0 (the CPU build, first, as the README says) and
         the wheel with `[train]`. Reports wall time and the size of site-packages.
startup: `python -m arena --help` in fresh processes, this checkout against `--before` (a
         commit, checked out into a temporary worktree and put first on sys.path); medians
         of `--runs` runs, alternating, so that both see the same machine load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def install(tmp: Path, wheel: Path, label: str, first: list[str], extra: str) -> dict:
    venv = tmp / label
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    base = du(site_packages(venv))
    start = time.perf_counter()
    if first:
        subprocess.run([*pip, *first], check=True)
    subprocess.run([*pip, f"{wheel}{extra}"], check=True)
    seconds = time.perf_counter() - start
    size = du(site_packages(venv)) - base
    has_torch = subprocess.run([str(venv / "bin" / "python"), "-c", "import torch"],
                               capture_output=True).returncode == 0
    played = subprocess.run([str(venv / "bin" / "python"), "-m", "arena", "play", "openspiel/tic_tac_toe",
                             "minimax", "random"], capture_output=True, text=True, cwd=tmp)
    return {"label": label, "seconds": seconds, "mb": size / 2**20, "torch": has_torch,
            "plays": played.returncode == 0}


def part_install() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp), str(ROOT)],
                       check=True)
        wheel = next(tmp.glob("arena_league-*.whl"))
        rows = [install(tmp, wheel, "core", [], ""),
                install(tmp, wheel, "train", ["torch==2.13.0"], "[train]")]
    print("| install | time (s) | site-packages (MiB) | torch | plays |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['label']} | {r['seconds']:.0f} | {r['mb']:.0f} | {r['torch']} | {r['plays']} |")


def help_seconds(pythonpath: str | None) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "arena", "--help"], check=True, capture_output=True, env=env,
                   cwd=tempfile.gettempdir())
    return time.perf_counter() - start


def part_startup(before: str, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        old = Path(tmp_name) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(old), before], check=True)
        try:
            old_path = os.pathsep.join(str(old / d) for d in (".", "agents", "plugins"))
            new_path = os.pathsep.join(str(ROOT / d) for d in (".", "agents", "plugins"))
            help_seconds(old_path), help_seconds(new_path)  # warm the file cache
            old_t, new_t = [], []
            for _ in range(runs):
                old_t.append(help_seconds(old_path))
                new_t.append(help_seconds(new_path))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=True)
    o, n = statistics.median(old_t), statistics.median(new_t)
    print(f"arena --help: {before} {o * 1000:.0f} ms, now {n * 1000:.0f} ms (median of {runs}); "
          f"ratio now/before {n / o:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["install", "startup", "all"], default="all")
    parser.add_argument("--before", default="12a110e", help="commit to compare start-up with")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if args.part in ("startup", "all"):
        part_startup(args.before, args.runs)
    if args.part in ("install", "all"):
        part_install()


if __name__ == "__main__":
    main()
