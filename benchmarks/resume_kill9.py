"""Resume after kill -9: a 200-game tournament killed at five random moments and rerun each
time ends with exactly 200 games, none duplicated, equal to an uninterrupted run.

    python benchmarks/resume_kill9.py [--seed 1] [--concurrency 2] [--keep DIR]

The tournament is the real command line (`python -m arena tournament ...`) in a subprocess;
each kill is SIGKILL to that process at a random moment while games are being played (when
a randomly drawn number of games has been stored, polled at random short intervals; each
rerun resumes, then is killed again). Results are compared per game key with an
uninterrupted run: seed, players, every move, scores and termination.
"""

from __future__ import annotations

import argparse
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENV = "openspiel/tic_tac_toe"
AGENTS = ["random", "minimax", "mcts:sims=100", "mcts:sims=300", "mcts:sims=1000"]  # 10 pairings
GAMES = 20  # per pairing: 200 games


def command(db: Path, concurrency: int) -> list[str]:
    return [sys.executable, "-m", "arena", "tournament", ENV, *AGENTS, "--games", str(GAMES),
            "--opening-plies", "1", "--seed", "9", "--concurrency", str(concurrency), "--quiet",
            "--db", str(db)]


def games(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT game_key, seed, players, moves, scores, termination FROM games "
                            "ORDER BY game_key").fetchall()


def stored_games(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT count(*) FROM games").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="Seed of the kill moments.")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--keep", default=None, help="Keep the databases in this folder.")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder = Path(args.keep or tempfile.mkdtemp(prefix="resume_kill9_"))
    folder.mkdir(parents=True, exist_ok=True)
    reference, killed = folder / "uninterrupted.db", folder / "killed.db"
    for path in folder.glob("*.db*"):
        path.unlink()

    start = time.perf_counter()
    subprocess.run(command(reference, args.concurrency), check=True, stdout=subprocess.DEVNULL)
    full = time.perf_counter() - start
    print(f"uninterrupted run: {len(games(reference))} games in {full:.1f}s")

    total = len(games(reference))
    for kill in range(1, args.kills + 1):
        # kill while games are being played: after a random number of new games, leaving room
        # for the kills still to come
        stored = stored_games(killed)
        target = stored + rng.randint(1, max(1, (total - stored - 10) // (args.kills - kill + 1)))
        proc = subprocess.Popen(command(killed, args.concurrency), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # its resource tracker complains of the kill
        started = time.perf_counter()
        while proc.poll() is None and stored_games(killed) < target:
            time.sleep(rng.uniform(0.005, 0.05))
        if proc.poll() is not None:
            print(f"kill {kill}: the run finished before {target} games were stored")
            continue
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        print(f"kill {kill}: SIGKILL after {time.perf_counter() - started:.1f}s "
              f"(aimed at game {target}), {stored_games(killed)} games stored")
    subprocess.run(command(killed, args.concurrency), check=True, stdout=subprocess.DEVNULL)

    final, expected = games(killed), games(reference)
    keys = [g[0] for g in final]
    print(f"after the final rerun: {len(final)} games, {len(set(keys))} distinct keys, "
          f"identical to the uninterrupted run: {final == expected}")
    if not (len(final) == len(set(keys)) == len(AGENTS) * (len(AGENTS) - 1) // 2 * GAMES and final == expected):
        sys.exit(1)


if __name__ == "__main__":
    main()
