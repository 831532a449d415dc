"""A round robin of 1,080 games between 8 hostile and 2 well-behaved agents at concurrency 2,
through the real `arena tournament` command, interrupted by Ctrl-C, then killed with
`kill -9`, then resumed to the end (signals sent at 30 % and 70 % of the games stored).

    nice python benchmarks/hostile_round_robin.py              # about 3-5 minutes here
    nice python benchmarks/hostile_round_robin.py --isolate    # random runs in its own process too

Hostile agents strike in a random share of their games. Out of process (tests/hostile/hostile.py):
one sleeps forever, one prints megabytes, one forks children that outlive it and exits, one
leaks memory under a memory limit, one starts a daemon that double-forks, calls setsid and
clears its environment (and plays on). In process (tests/hostile/arena_hostile_inprocess.py,
loaded with ARENA_PLUGIN_MODULES): one segfaults its worker, one raises SystemExit, one passes
the tournament's check and then cannot start in any worker. Checks: the Ctrl-C exits 130, the
kill -9 leaves a store that passes SQLite's integrity check, and 1 s after each end (Ctrl-C,
kill -9, finish) no agent process is alive; the final run stores every scheduled game exactly
once, each with a classified termination, forfeits blamed only on hostile agents.

Then the same checks at --concurrency 1, where the games are played in one worker forked
from the arena: the two well-behaved agents against the in-process hostile ones (segfault,
abort, SystemExit, late failure to start), run to the end (--one-games per pairing).
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
               for mode, rate in (("sleep", 0.1), ("flood", 0.3), ("fork", 0.3), ("leak", 0.2), ("escape", 0.3))]
    hostile += ["inproc-segfault:rate=0.1", "inproc-sysexit:rate=0.3", "inproc-latefail"]
    good = ["random", f"cmd:{sys.executable} {GOOD_SCRIPT}"]
    return good, hostile


def leftovers(markers: list[str]) -> list[str]:
    """Live processes of this run: a marker in the command line, or this run's own
    ARENA_AGENT_LOGS in the environment (the arena, its forkserver and workers, agents)."""
    found = []
    for pid, _, _, _, state in process_table():
        if pid == os.getpid() or state == "Z":
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/environ", "rb") as f:
                environ = f.read().decode(errors="replace")
        except OSError:
            continue
        if any(m in cmdline for m in markers) or any(m in environ for m in markers if m.startswith("ARENA_")):
            found.append(f"{pid}: {cmdline[:120]}")
    return found


def command(db: Path, specs: list[str], games: int, isolate: bool, concurrency: int = 2) -> list[str]:
    return [sys.executable, "-m", "arena", "tournament", "openspiel/tic_tac_toe", *specs,
            "--games", str(games), "--concurrency", str(concurrency), "--time-per-move", "2.0",
            "--name", "hostile-rr", "--db", str(db), "--quiet", *(["--isolate"] if isolate else [])]


def stored_games(db: Path) -> list:
    if not db.exists():  # interrupted before its first game: a failing run leaves no empty store
        return []
    with Store(db, readonly=True) as store:
        return list(store.iter_games(tournament="hostile-rr"))


def integrity(db: Path) -> str:
    if not db.exists():
        return "(no file yet)"
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def settle(markers: list[str], after: float = 1.0) -> list[str]:
    """What is still alive `after` seconds after an end."""
    time.sleep(after)
    return leftovers(markers)


def count_games(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM games").fetchone()[0]
    except sqlite3.Error:
        return 0


def run_until(cmd: list[str], env: dict, db: Path, games: int | None, sig: int | None):
    """Start the command; once `games` games are stored send `sig` (None: let it finish).
    Returns (exit code, last stderr line, seconds it ran)."""
    start = time.perf_counter()
    run = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    while sig is not None and run.poll() is None:
        if count_games(db) >= games:
            if sig == signal.SIGKILL:
                run.kill()  # the arena process only, as `kill -9 PID` would
            else:
                os.killpg(run.pid, sig)  # a terminal's Ctrl-C goes to the whole foreground group
            break
        time.sleep(0.2)
    try:
        _, err = run.communicate(timeout=3600 if sig is None else 120)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        _, err = run.communicate()
        print("FAIL: the tournament did not stop within 120 s")
    return run.returncode, (err.strip().splitlines() or [""])[-1][:200], time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--games", type=int, default=24, help="games per pairing (45 pairings)")
    p.add_argument("--interrupt-at", type=float, default=0.3, help="share of the games stored at the Ctrl-C")
    p.add_argument("--kill-at", type=float, default=0.7, help="share of the games stored at the kill -9")
    p.add_argument("--isolate", action="store_true")
    p.add_argument("--one-games", type=int, default=12, help="games per pairing of the concurrency-1 run")
    args = p.parse_args()

    tag = f"rr{os.getpid()}"
    good, hostile = agents(tag)
    specs = good + hostile
    logs = tempfile.mkdtemp(prefix="hostile-rr-logs-")
    markers = [tag, str(GOOD_SCRIPT), f"ARENA_AGENT_LOGS={logs}"]
    scheduled = len(specs) * (len(specs) - 1) // 2 * args.games
    env = {**os.environ, "ARENA_AGENT_MEMORY_MB": "300", "ARENA_AGENT_LOGS": logs,
           "ARENA_PLUGIN_MODULES": "arena_hostile_inprocess",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(HOSTILE.parent), os.environ.get("PYTHONPATH")]))}
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "arena.db"
        cmd = command(db, specs, args.games, args.isolate)
        ends = []
        for phase, (share, sig, expect) in enumerate(
                [(args.interrupt_at, signal.SIGINT, {130}), (args.kill_at, signal.SIGKILL, {-9}),
                 (None, None, {0})], start=1):
            target = round(share * scheduled) if share else None
            code, last, took = run_until(cmd, env, db, target, sig)
            left = settle(markers)
            stored = stored_games(db)
            how = {signal.SIGINT: "Ctrl-C", signal.SIGKILL: "kill -9", None: "to the end"}[sig]
            print(f"phase {phase} ({how}{f' at {target} games stored' if target else ''}): exit code {code} "
                  f"after {took:.0f}s; {len(stored)} of {scheduled} games stored; integrity {integrity(db)}; "
                  f"processes alive 1 s later: {len(left)}")
            print("  last stderr line:", last)
            for line in left:
                print("  LEFT:", line)
            ends.append((code in expect, left))  # a run that ended before its signal fails: rerun with less time
        ok = check_games(db, specs, good, scheduled) and all(good_end and not left for good_end, left in ends)

        # -- concurrency 1: in-process hostile agents in a one-worker pool, run to the end
        one = good + [s for s in hostile if s.startswith("inproc-")] + ["inproc-abort:rate=0.1"]
        db1 = Path(tmp) / "one.db"
        scheduled1 = len(one) * (len(one) - 1) // 2 * args.one_games
        code, last, took = run_until(command(db1, one, args.one_games, args.isolate, concurrency=1), env, db1, None,
                                     None)
        left = settle(markers)
        print(f"concurrency 1 (to the end): exit code {code} after {took:.0f}s; {len(stored_games(db1))} of "
              f"{scheduled1} games stored; integrity {integrity(db1)}; processes alive 1 s later: {len(left)}")
        print("  last stderr line:", last)
        for line in left:
            print("  LEFT:", line)
        ok = check_games(db1, one, good, scheduled1) and code == 0 and not left and ok
        print("RESULT:", "PASS" if ok else "FAIL")


def check_games(db: Path, specs: list[str], good: list[str], scheduled: int) -> bool:
    """Every scheduled game stored once and classified, forfeits only by hostile agents."""
    games = stored_games(db)
    keys = [g.key for g in games]
    by_agent: dict[str, collections.Counter] = {s: collections.Counter() for s in specs}
    unclassified = blamed_good = 0
    for g in games:
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
    return (len(set(keys)) == scheduled == len(keys) and not unclassified and not blamed_good
            and integrity(db) == "ok")


if __name__ == "__main__":
    main()
