"""Agents that misbehave on purpose, as real subprocesses (tests/hostile/hostile.py).

Each strikes once: the game it strikes in ends in the right classified forfeit, blamed on it;
the next game is played normally by a restarted process; nothing it started survives.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from arena import ArenaError, make_agent, make_env, play
from arena.remote import SubprocessAgent, process_table

HOSTILE = Path(__file__).resolve().parent / "hostile" / "hostile.py"

CASES = {  # mode: (termination, per-move seconds, memory limit in MB)
    "sleep": ("timeout", 0.3, None),
    "garbage": ("protocol", 1.0, None),
    "flood": ("protocol", 1.0, None),
    "fork": ("crash", 1.0, None),
    "exit": ("crash", 1.0, None),
    "illegal": ("illegal", 1.0, None),
    "range": ("illegal", 1.0, None),
    "string": ("illegal", 1.0, None),
    "reset": ("crash", 5.0, None),
    "leak": ("crash", 20.0, 300),
}


def leftovers(tag: str) -> list[int]:
    """Live processes whose command line carries `tag` (forked children inherit it)."""
    found = []
    for pid, _, _, _, state in process_table():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if tag.encode() in f.read().replace(b"\0", b" ") and state != "Z":
                    found.append(pid)
        except OSError:
            pass
    return found


@pytest.mark.parametrize("mode, seat", [(m, 0) for m in CASES] + [(m, 1) for m in ("sleep", "exit", "garbage")])
def test_a_hostile_agent_forfeits_one_game_then_plays_on(mode, seat, tmp_path):
    termination, per_move, memory = CASES[mode]
    tag = f"hostile-{mode}-{seat}-{os.getpid()}-{tmp_path.name}"
    env = make_env("openspiel/connect_four")
    hostile = SubprocessAgent(
        env.info, [sys.executable, str(HOSTILE), mode, "--at", "2", "--once", str(tmp_path / "struck"),
                   "--tag", tag],
        name=mode, memory_mb=memory, log_dir=tmp_path)
    agents = [make_agent("random", env)]
    agents.insert(seat, hostile)
    try:
        first = play(env, agents, seed=1, time_per_move=per_move)
        second = play(env, agents, seed=2, time_per_move=per_move)
        # Only the restarted agent itself is alive: whatever the struck one started is gone.
        assert set(leftovers(tag)) == hostile.processes(), "a hostile process survived its forfeit"
    finally:
        hostile.close()
    assert (first.termination, first.forfeit_player) == (termination, seat), first.reason
    assert first.scores[seat] == 0.0 and first.scores[1 - seat] == 1.0
    assert second.termination == "normal", second.reason
    assert not leftovers(tag)


def test_reasons_say_what_happened(tmp_path):
    env = make_env("openspiel/connect_four")
    reasons = {}
    for mode in ("sleep", "flood", "exit", "leak"):
        agent = SubprocessAgent(env.info, [sys.executable, str(HOSTILE), mode, "--at", "0"],
                                name=mode, memory_mb=300 if mode == "leak" else None, log_dir=tmp_path)
        try:
            reasons[mode] = play(env, [agent, make_agent("random", env)], 0, time_per_move=20.0 if mode == "leak" else 0.3).reason
        finally:
            agent.close()
    assert "no answer to 'act' within 0.3s" in reasons["sleep"]
    assert "over the 1048576-byte limit" in reasons["flood"]
    assert "exited with code 3" in reasons["exit"]
    assert "MemoryError" in reasons["leak"]


def test_an_agent_that_cannot_restart_forfeits_quickly(tmp_path):
    """A command that breaks after its first start costs each later game at once."""
    script = tmp_path / "once.sh"
    marker = tmp_path / "started"
    script.write_text(f"#!/bin/sh\n[ -e {marker} ] && exit 7\ntouch {marker}\n"
                      f"exec {sys.executable} {HOSTILE} exit --at 0\n")
    script.chmod(0o755)
    env = make_env("openspiel/tic_tac_toe")
    agent = SubprocessAgent(env.info, [str(script)], name="once", log_dir=tmp_path)
    try:
        records = [play(env, [agent, make_agent("random", env)], s, time_per_move=1.0) for s in range(6)]
    finally:
        agent.close()
    assert all(r.termination == "crash" and r.forfeit_player == 0 for r in records)
    assert "restart failed" in records[0].reason and "exited with code 7" in records[0].reason
    assert "gave up after 3 failed restarts" in records[-1].reason


def test_a_hung_handshake_is_an_error_not_a_hang(tmp_path):
    env = make_env("openspiel/tic_tac_toe")
    with pytest.raises(ArenaError, match="did not answer the handshake within 0.5s"):
        SubprocessAgent(env.info, ["sleep", "1000"], startup_timeout=0.5, log_dir=tmp_path)
    assert not [pid for pid, *_ in process_table() if _cmdline(pid) == b"sleep\x001000\x00"]


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


# -- checkpoints are data, never code -----------------------------------------------------------

class _Payload:
    """Unpickling this runs a shell command: the classic malicious checkpoint."""

    def __init__(self, target: Path):
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


def test_a_checkpoint_with_code_in_it_is_refused(tmp_path):
    import pickle

    from arena.checkpoints import load_checkpoint

    pwned = tmp_path / "pwned"
    bad = tmp_path / "evil.pt"
    with open(bad, "wb") as f:
        pickle.dump({"weights": _Payload(pwned)}, f, protocol=2)
    with pytest.raises(ArenaError, match="refusing to load .*not weights only .it would call posix.system") as err:
        load_checkpoint(bad)
    assert "\n" not in str(err.value)
    assert not pwned.exists(), "the pickle's code ran"


def test_plain_weights_load_and_missing_files_are_one_line_errors(tmp_path):
    import torch

    from arena.checkpoints import load_checkpoint

    torch.set_num_threads(1)
    good = tmp_path / "net.pt"
    torch.save({"step": 3, "model": {"w": torch.arange(4.0)}}, good)
    loaded = load_checkpoint(good)
    assert loaded["step"] == 3 and torch.equal(loaded["model"]["w"], torch.arange(4.0))
    with pytest.raises(ArenaError, match="no checkpoint file"):
        load_checkpoint(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ArenaError, match="junk.pt"):
        load_checkpoint(tmp_path / "junk.pt")


# -- a tournament with --isolate survives a hostile field -----------------------------------------

def test_an_isolated_tournament_stores_and_classifies_every_game(tmp_path):
    from arena.backends import InlineBackend
    from arena.store import Store
    from arena.tournament import TournamentConfig, run_tournament

    tag = f"rr-{os.getpid()}-{tmp_path.name}"
    field = ["random", f"cmd:{sys.executable} {HOSTILE} exit --at 1 --rate 0.5 --tag {tag}",
             f"cmd:{sys.executable} {HOSTILE} garbage --at 1 --rate 0.5 --tag {tag}"]
    config = TournamentConfig("openspiel/tic_tac_toe", field, games=4, time_per_move=2.0, isolate=True)
    backend = InlineBackend()
    with Store(tmp_path / "arena.db") as store:
        try:
            result = run_tournament(config, store, backend)
            assert leftovers("serve-agent random --game openspiel/tic_tac_toe"), "random is not isolated"
        finally:
            backend.close()
        stored = list(store.iter_games(tournament=result.name))
    assert len(stored) == len(result.records) == 12
    forfeits = {(r.players[r.forfeit_player], r.termination) for r in result.records if r.forfeit_player is not None}
    assert forfeits <= {(field[1], "crash"), (field[2], "protocol")} and forfeits
    assert not leftovers(tag) and not leftovers("serve-agent random --game openspiel/tic_tac_toe")


# -- nothing escapes, even a `kill -9` of the arena ------------------------------------------------

def _games(db) -> int:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT count(*) FROM games").fetchone()[0]
    except sqlite3.Error:
        return 0


def _sleepers(tag: str) -> list[int]:
    return [pid for pid in leftovers(tag) if b"time.sleep(100000)" in _cmdline(pid)]


@pytest.mark.parametrize("extra", [["--concurrency", "1"], ["--concurrency", "2"], ["--concurrency", "2", "--isolate"]])
def test_nothing_an_agent_started_outlives_a_kill_9_of_the_arena(tmp_path, extra):
    """The escaping agent double-forks, calls setsid and execs a sleeper with an empty
    environment (no token); its PID namespace still takes it down with the arena."""
    import subprocess
    import time

    from arena.remote.process import pid_namespace_prefix

    if not pid_namespace_prefix():
        pytest.skip("no PID namespaces here (unshare --pid fails): such a daemon can escape")
    tag = f"k9-{os.getpid()}-{tmp_path.name}"
    run = subprocess.Popen(
        [sys.executable, "-m", "arena", "tournament", "openspiel/tic_tac_toe", "random",
         f"cmd:{sys.executable} {HOSTILE} escape --at 0 --tag {tag}",
         f"cmd:{sys.executable} {HOSTILE} none --delay 0.05 --tag {tag}",
         "--games", "40", "--quiet", "--db", str(tmp_path / "arena.db"), *extra],
        stdout=subprocess.DEVNULL, stderr=open(tmp_path / "stderr", "wb"))
    try:
        deadline = time.monotonic() + 60
        # past the agents' check (its daemon dies with the checked agent), into the games
        while not (_games(tmp_path / "arena.db") and _sleepers(tag)) and time.monotonic() < deadline \
                and run.poll() is None:
            time.sleep(0.1)
        assert _sleepers(tag), f"no daemon started (exit {run.poll()}): {(tmp_path / 'stderr').read_text()[-300:]}"
    finally:
        run.kill()
        run.wait()
    killed = time.monotonic()
    while leftovers(tag) and time.monotonic() - killed < 1.0:
        time.sleep(0.02)
    assert not leftovers(tag), f"alive 1 s after kill -9: {[_cmdline(p)[:80] for p in leftovers(tag)]}"


def test_agent_processes_get_a_default_memory_limit_that_can_be_changed(tmp_path, monkeypatch):
    from arena.remote.process import DEFAULT_MEMORY_MB

    env = make_env("openspiel/tic_tac_toe")

    def address_space_limit() -> str:
        agent = make_agent(f"cmd:{sys.executable} {HOSTILE} none", env)
        try:
            pids = agent.processes()
            limits = [open(f"/proc/{pid}/limits").read() for pid in pids]
        finally:
            agent.close()
        return {next(ln.split()[3] for ln in text.splitlines() if ln.startswith("Max address space"))
                for text in limits}

    monkeypatch.delenv("ARENA_AGENT_MEMORY_MB", raising=False)
    assert address_space_limit() == {str(DEFAULT_MEMORY_MB << 20)}
    monkeypatch.setenv("ARENA_AGENT_MEMORY_MB", "700")
    assert address_space_limit() == {str(700 << 20)}
    monkeypatch.setenv("ARENA_AGENT_MEMORY_MB", "0")
    assert address_space_limit() == {"unlimited"}
    monkeypatch.setenv("ARENA_AGENT_MEMORY_MB", "lots")
    with pytest.raises(ArenaError, match="0 = no limit"):
        make_agent(f"cmd:{sys.executable} {HOSTILE} none", env)
