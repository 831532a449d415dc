"""How soon `arena train` tells a log what it is doing on a large game: seconds from the
start of the command to each of its first lines, with stdout redirected to a file.

    nice python benchmarks/bench_train_first_line.py [--env openspiel/chess] [--lines 3] [--limit 180]

For each trainer (muzero, ppo) it starts `arena train TRAINER ENV --minutes 10 > log`, notes
when each line lands in the log (polled every 20 ms) and kills the run after `--lines` lines
or `--limit` seconds. Each line's arrival is shown in wall-clock seconds and in the CPU seconds
the run had used by then (the wall time it would take on an idle core). The first line is written as the run starts, the next as its work
starts (self-play), then one every 30 s or per iteration/evaluation.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """CPU time the run has used (user + system, from /proc): on an idle machine its wall time
    to a line would be about this, the command being one thread until its work starts."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def first_lines(trainer: str, env_id: str, lines: int, limit: float, folder: Path) -> list[tuple[float, float, str]]:
    log = folder / f"{trainer}.log"
    with open(log, "wb") as f:
        start = time.perf_counter()
        run = subprocess.Popen([sys.executable, "-m", "arena", "train", trainer, env_id, "--minutes", "10",
                                "--out", str(folder / trainer), "--db", str(folder / "a.db")],
                               stdout=f, stderr=subprocess.STDOUT)
    seen: list[tuple[float, float, str]] = []
    try:
        while len(seen) < lines and run.poll() is None and time.perf_counter() - start < limit:
            text = log.read_text()
            complete = text.splitlines()[: text.count("\n")]
            seen += [(time.perf_counter() - start, cpu_seconds(run.pid), line) for line in complete[len(seen):]]
            time.sleep(0.02)
    finally:
        run.kill()
        run.wait()
    return seen


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--env", default="openspiel/chess")
    p.add_argument("--lines", type=int, default=3)
    p.add_argument("--limit", type=float, default=180.0)
    p.add_argument("--trainers", default="muzero,ppo")
    args = p.parse_args()
    print(f"{args.env}, load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as folder:
        for trainer in args.trainers.split(","):
            seen = first_lines(trainer, args.env, args.lines, args.limit, Path(folder))
            print(f"{trainer}: {len(seen)} lines in the first {args.limit:.0f} s" if len(seen) < args.lines else
                  f"{trainer}:")
            for at, cpu, line in seen:
                print(f"  {at:6.1f} s wall, {cpu:5.1f} s CPU  {line[:160]}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
