"""A round robin of 1,020 games between 4 hostile and 2 well-behaved agents at concurrency 2,
interrupted by Ctrl-C half way and resumed, through the real `arena tournament` command.

    nice python benchmarks/hostile_round_robin.py              # about 5-10 minutes here
    nice python benchmarks/hostile_round_robin.py --isolate    # random runs in its own process too

Hostile agents (tests/hostile/hostile.py) strike in a random share of their games: one
sleeps forever, one prints megabytes, one forks children that outlive it and exits, one
leaks memory under a memory limit. Checks: after the Ctrl-C the command exits 130, the
store passes SQLite's integrity check and holds only whole games, and no agent process is
left; the rerun resumes and finishes; every scheduled game is stored exactly once, with a
classified termination, forfeits blamed only on hostile agents; 0 processes left.
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from arena.remote import process_table
from arena.store import Store

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ROOT / "tests" / "hostile" / "hostile.py"
GOOD_SCRIPT = ROOT / "examples" / "agents" / "random_bot.py"
TERMINATIONS = {"normal", "timeout", "crash", "protocol", "illegal"}


def agents(tag: str) -> tuple[list[str], list[str]]:
    hostile = [f"cmd:{sys.executable} {HOSTILE} {mode} --at 1 --rate {rate} --tag {tag}"
               for mode, rate in (("sleep", 0.15), ("flood", 0.3), ("fork", 0.3), ("leak", 0.2))]
    good = ["random", f"cmd:{sys.executable} {GOOD_SCRIPT}"]
    return good, hostile


def leftovers(markers: list[str]) -> list[str]:
    found = []
    for pid, _, _, _, state in process_table():
        if pid == os.getpid() or state == "Z":
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(m in cmdline for m in markers):
            found.append(f"{pid}: {cmdline[:120]}")
    return found


def command(db: Path, specs: list[str], games: int, isolate: bool) -> list[str]:
    return [sys.executable, "-m", "arena", "tournament", "openspiel/tic_tac_toe", *specs,
            "--games", str(games), "--concurrency", "2", "--time-per-move", "2.0",
            "--name", "hostile-rr", "--db", str(db), "--quiet", *(["--isolate"] if isolate else [])]


def stored_games(db: Path) -> list:
    with Store(db, readonly=True) as store:
        return list(store.iter_games(tournament="hostile-rr"))


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--games", type=int, default=68, help="games per pairing (15 pairings)")
    p.add_argument("--interrupt-after", type=float, default=60.0, help="seconds before the Ctrl-C")
    p.add_argument("--isolate", action="store_true")
    args = p.parse_args()

    tag = f"rr{os.getpid()}"
    good, hostile = agents(tag)
    specs = good + hostile
    markers = [tag, str(GOOD_SCRIPT), "serve-agent"]
    scheduled = 15 * args.games
    env = {**os.environ, "ARENA_AGENT_MEMORY_MB": "300",
           "ARENA_AGENT_LOGS": tempfile.mkdtemp(prefix="hostile-rr-logs-")}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "arena.db"
        cmd = command(db, specs, args.games, args.isolate)

        # -- phase 1: Ctrl-C in the middle (SIGINT to the whole foreground group, as a terminal does)
        start = time.perf_counter()
        run = subprocess.Popen(cmd, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            run.wait(timeout=args.interrupt_after)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGINT)
        try:
            _, err = run.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            _, err = run.communicate()
            print("FAIL: the tournament did not stop within 120 s of Ctrl-C")
        stopped = time.perf_counter() - start
        time.sleep(1.0)
        left1 = leftovers(markers)
        games1 = stored_games(db)
        print(f"phase 1: Ctrl-C after {args.interrupt_after:.0f}s; exit code {run.returncode} "
              f"after {stopped:.1f}s; {len(games1)} of {scheduled} games stored; "
              f"integrity {integrity(db)}; processes left: {len(left1)}")
        print("  last stderr line:", (err.strip().splitlines() or [""])[-1][:200])
        for line in left1:
            print("  LEFT:", line)

        # -- phase 2: the same command resumes and finishes
        start = time.perf_counter()
        done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        elapsed = time.perf_counter() - start
        time.sleep(1.0)
        left2 = leftovers(markers)
        games2 = stored_games(db)
        keys = [g.key for g in games2]
        print(f"phase 2: rerun exit code {done.returncode} in {elapsed:.0f}s; "
              f"{len(games2)} of {scheduled} games stored, {len(set(keys))} distinct keys; "
              f"processes left: {len(left2)}")
        if done.returncode:
            print("  stderr:", done.stderr.strip()[-500:])
        for line in left2:
            print("  LEFT:", line)

        # -- every game classified, forfeits only by hostile agents
        by_agent: dict[str, collections.Counter] = {s: collections.Counter() for s in specs}
        unclassified = blamed_good = 0
        for g in games2:
            r = g.record
            if r.termination not in TERMINATIONS or (r.termination != "normal") != (r.forfeit_player is not None):
                unclassified += 1
            for i, spec in enumerate(r.players):
                by_agent[spec]["games"] += 1
                if r.forfeit_player == i:
                    by_agent[spec][r.termination] += 1
                    blamed_good += spec in good
        print(f"unclassified games: {unclassified}; forfeits blamed on well-behaved agents: {blamed_good}; "
              f"games lost: {scheduled - len(set(keys))}")
        for spec, counts in by_agent.items():
            short = spec.replace(f"{sys.executable} ", "").replace(str(ROOT) + "/", "")
            print(f"  {short[:70]:70s} {dict(counts)}")
        ok = (not left1 and not left2 and done.returncode == 0 and len(set(keys)) == scheduled
              == len(keys) and not unclassified and not blamed_good and integrity(db) == "ok")
        print("RESULT:", "PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
