"""Every failure of agent code is a forfeit and the arena goes on: any BaseException from an
in-process agent (with or without a clock), a start that fails after the tournament's check,
and agent code that kills its worker process (the hostile plugin in tests/hostile)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from arena import Agent, make_agent, make_env, play

HOSTILE_DIR = Path(__file__).resolve().parent / "hostile"
PLUGIN_ENV = {"PYTHONPATH": f"{HOSTILE_DIR}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
              "ARENA_PLUGIN_MODULES": "arena_hostile_inprocess"}


class Raises(Agent):
    def __init__(self, env_info, exc):
        super().__init__(env_info)
        self.exc = exc

    def act(self, obs):
        raise self.exc


class PressesCtrlC(Agent):
    """Stands in for the user: a real SIGINT arrives while the agent thinks."""

    def act(self, obs):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(2)
        return obs.legal_actions[0]


@pytest.mark.parametrize("clock", [None, 2.0])
@pytest.mark.parametrize("exc", [SystemExit(5), KeyboardInterrupt(), GeneratorExit(), MemoryError("big")])
def test_any_exception_from_agent_code_is_its_crash_forfeit(exc, clock):
    env = make_env("openspiel/tic_tac_toe")
    for seat in (0, 1):
        agents = [make_agent("random", env)]
        agents.insert(seat, Raises(env.info, exc))
        record = play(env, agents, 3, time_per_move=clock)
        assert (record.termination, record.forfeit_player) == ("crash", seat)
        assert record.reason.startswith(type(exc).__name__)
        assert record.scores[1 - seat] == 1.0


@pytest.fixture
def ctrl_c_raises():
    """Python's own SIGINT handler, as in a terminal: a shell started in the background
    (`cmd &` without job control) hands its children SIGINT ignored."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.mark.parametrize("clock", [None, 2.0])
def test_the_users_ctrl_c_still_stops_the_game(clock, ctrl_c_raises):
    env = make_env("openspiel/tic_tac_toe")
    with pytest.raises(KeyboardInterrupt):
        play(env, [PressesCtrlC(env.info), make_agent("random", env)], 0, time_per_move=clock)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is put back


def test_arena_play_reports_an_agent_that_raises_system_exit(arena_cli):
    result = arena_cli("play", "openspiel/tic_tac_toe", "inproc-sysexit:at=0", "random", "--json", env=PLUGIN_ENV)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert (record["termination"], record["forfeit_player"], record["reason"]) == ("crash", 0, "SystemExit: 5")


def test_a_tournament_survives_agents_that_kill_their_worker_or_cannot_start(arena_cli, tmp_path):
    db = tmp_path / "arena.db"
    field = ["random", "inproc-segfault:rate=0.5", "inproc-abort:rate=0.3", "inproc-exit:rate=0.3",
             "inproc-sysexit:rate=0.5", "inproc-latefail"]
    result = arena_cli("tournament", "openspiel/tic_tac_toe", *field, "--games", "4", "--concurrency", "2",
                       "--quiet", "--db", str(db), "--name", "hostile", env=PLUGIN_ENV, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "60 games (60 played now)" in result.stdout
    games = json.loads(arena_cli("games", "--db", str(db), "--json").stdout)
    assert len(games) == 60 and len({g["key"] for g in games}) == 60
    reasons: dict[str, set[str]] = {}
    for g in games:
        if g["forfeit_player"] is not None:
            blamed = g["players"][g["forfeit_player"]]
            assert blamed != "random" and g["termination"] == "crash", g
            reasons.setdefault(blamed.split(":")[0], set()).add(g["reason"])
    text = {name: " | ".join(sorted(r)) for name, r in reasons.items()}
    assert "SIGSEGV" in text["inproc-segfault"] and "SIGABRT" in text["inproc-abort"]
    assert "exited with code 7" in text["inproc-exit"] and text["inproc-sysexit"] == "SystemExit: 5"
    assert "failed to start" in text["inproc-latefail"] and "opening book" in text["inproc-latefail"]
    # every game of the late-failing agent is its forfeit; random lost none by fault
    assert sum(1 for g in games if "inproc-latefail" in g["players"]) == 20 == \
        sum(1 for g in games if g["forfeit_player"] is not None and "latefail" in g["players"][g["forfeit_player"]])


# -- at concurrency 1 too: games are played in a one-worker pool, forked from the arena ----------

def test_at_concurrency_1_a_segfaulting_agent_loses_its_games_and_the_tournament_goes_on(arena_cli, tmp_path):
    db = tmp_path / "arena.db"
    field = ["random", "inproc-segfault:rate=0.5", "inproc-abort:rate=0.5"]
    result = arena_cli("tournament", "openspiel/tic_tac_toe", *field, "--games", "4", "--concurrency", "1",
                       "--quiet", "--db", str(db), "--name", "one", env=PLUGIN_ENV, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "12 games (12 played now)" in result.stdout and "rerun" not in result.stderr
    games = json.loads(arena_cli("games", "--db", str(db), "--json").stdout)
    blamed = {(g["players"][g["forfeit_player"]], g["termination"]) for g in games if g["forfeit_player"] is not None}
    # stored canonical: the defaults filled in
    assert blamed == {("inproc-segfault:at=1,rate=0.5", "crash"), ("inproc-abort:at=1,rate=0.5", "crash")}
    reasons = " | ".join(g["reason"] for g in games if g["forfeit_player"] is not None)
    assert "SIGSEGV" in reasons and "SIGABRT" in reasons


def test_arena_play_reports_a_segfaulting_agent_as_its_crash_forfeit(arena_cli):
    result = arena_cli("play", "openspiel/tic_tac_toe", "random", "inproc-segfault:at=0", "--json", env=PLUGIN_ENV)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert (record["termination"], record["forfeit_player"], record["scores"]) == ("crash", 1, [1.0, 0.0])
    assert "killed its worker process" in record["reason"] and "SIGSEGV" in record["reason"]
    shown = arena_cli("play", "openspiel/tic_tac_toe", "inproc-segfault:at=1", "random", "--render", env=PLUGIN_ENV)
    assert shown.returncode == 0 and not shown.stderr, shown.stderr
    assert "-- move 2:" in shown.stdout and "termination: crash (inproc-segfault:at=1: agent code killed" in shown.stdout


def test_a_match_survives_a_segfaulting_agent_at_concurrency_1(arena_cli, tmp_path):
    result = arena_cli("match", "inproc-segfault:rate=0.5", "random", "openspiel/tic_tac_toe", "--max-games", "6",
                       "--concurrency", "1", "--quiet", "--json", "--db", str(tmp_path / "m.db"), env=PLUGIN_ENV)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["games"] == 6


def test_only_agents_that_need_the_terminal_play_in_the_arenas_own_process():
    from arena.backends import InlineBackend, LocalPool, make_backend

    for concurrency in (1, 2):
        backend = make_backend("local", concurrency, agents=["random", "mcts:sims=2"])
        assert isinstance(backend, LocalPool) and backend.workers == concurrency
        backend.close()
        assert isinstance(make_backend("local", concurrency, agents=["human", "random"]), InlineBackend)
