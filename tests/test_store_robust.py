"""The store when things go wrong around it: a failing command, a read-only filesystem, readers
during a tournament, a full disk. The filesystem cases mount a real small tmpfs, so they need
root (they are skipped otherwise)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

TTT = "openspiel/tic_tac_toe"


def integrity(db: Path) -> tuple[str, int]:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0], conn.execute("SELECT count(*) FROM games").fetchone()[0]


@pytest.fixture
def tmpfs(tmp_path):
    """mount(size) -> a fresh tmpfs folder of that size; remount(options) changes it."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = []

    def mount(size: str) -> Path:
        where = tmp_path / f"fs{len(mounted)}"
        where.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)]).returncode:
            pytest.skip("cannot mount a tmpfs here")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)])


def remount(where: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(where)], check=True)


def test_a_command_that_fails_leaves_no_empty_database(tmp_path, arena_main):
    db = tmp_path / "new.db"
    # Fails after the store is open: the agent cannot make its validation move in time.
    code, _, err = arena_main("tournament", TTT, "random", "mcts:sims=100000", "--time-per-move", "0.001",
                         "--games", "2", "--concurrency", "1", "--quiet", "--db", str(db))
    assert code == 2 and "validation move" in err
    assert not list(tmp_path.iterdir()), "an empty database was left behind"
    code, _, _ = arena_main("tournament", TTT, "random", "minimax", "--games", "2", "--concurrency", "1",
                       "--quiet", "--db", str(db))
    assert code == 0
    code, _, _ = arena_main("tournament", TTT, "random", "mcts:sims=100000", "--time-per-move", "0.001",
                       "--games", "2", "--concurrency", "1", "--quiet", "--db", str(db))
    assert code == 2 and integrity(db) == ("ok", 2), "a database with games must stay"


def test_a_full_disk_ends_the_run_in_one_line_and_the_store_resumes(tmpfs, arena_main):
    disk = tmpfs("300k")
    db = disk / "arena.db"
    command = ["tournament", TTT, "random", "mcts:sims=2", "--games", "400", "--concurrency", "1", "--quiet",
               "--db", str(db), "--name", "full"]
    code, _, err = arena_main(*command)
    assert code == 2 and err.count("\n") == 1 and "is full" in err and "rerun the same command" in err, err
    status, stored = integrity(db)
    assert status == "ok" and 0 < stored < 400
    remount(disk, "size=20m")
    code, out, err = arena_main(*command)
    assert code == 0, err
    assert f"400 games ({400 - stored} played now)" in out and integrity(db) == ("ok", 400)


def test_the_leaderboard_reads_a_store_on_a_read_only_filesystem(tmpfs, arena_main):
    disk = tmpfs("20m")
    db = disk / "arena.db"
    # A writer killed before its checkpoint leaves its last games in the WAL file only.
    script = ("import os, sys; from arena.store import Store; from arena import make_env, make_agent, play\n"
              f"s = Store({str(db)!r}); env = make_env({TTT!r}); a = [make_agent('random', env), make_agent('minimax', env)]\n"
              f"s.open_tournament('t', {TTT!r}, ['random', 'minimax'], {{}})\n"
              "for i in range(6): s.add_game('t', str(i), play(env, a, i, names=['random', 'minimax']))\n"
              "os._exit(0)\n")
    subprocess.run([sys.executable, "-c", script], check=True)
    assert Path(f"{db}-wal").stat().st_size > 0
    remount(disk, "ro")
    code, out, err = arena_main("leaderboard", TTT, "--db", str(db), "--csv")
    assert code == 0, err
    assert "minimax" in out and "random" in out
    code, out, err = arena_main("games", "--db", str(db), "--json")
    assert code == 0 and out.count('"key"') == 6, err


def test_readers_work_while_a_tournament_writes(tmp_path, arena_main):
    db = tmp_path / "arena.db"
    writer = subprocess.Popen([sys.executable, "-m", "arena", "tournament", TTT, "random", "minimax", "mcts:sims=300",
                               "--games", "60", "--concurrency", "1", "--quiet", "--db", str(db)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    reads, seen = 0, set()
    try:
        while writer.poll() is None:
            if not db.exists():
                time.sleep(0.05)
                continue
            code, out, err = arena_main("games", "--db", str(db), "--json")
            if code == 2 and "holds no arena games" in err:  # the writer has not made its tables yet
                continue
            assert code == 0, err
            seen.add(out.count('"key"'))
            code, out, err = arena_main("leaderboard", TTT, "--db", str(db), "--json")
            assert code == 0 or "no games of" in err, err
            reads += 1
    finally:
        writer.kill() if writer.poll() is None else None
        _, werr = writer.communicate()
    assert writer.returncode == 0, werr
    assert reads >= 3 and len(seen) >= 2, (reads, seen)  # reads saw the store grow
