"""The referee: determinism, records, and forfeits for misbehaving agents."""

import time

import numpy as np
import pytest

import arena
from arena import Agent
from arena.errors import ArenaError


class Scripted(Agent):
    """Plays a fixed behaviour chosen by the test."""

    def __init__(self, env_info, behaviour):
        super().__init__(env_info)
        self.behaviour = behaviour

    def act(self, obs):
        return self.behaviour(obs)


def first_legal(obs):
    return obs.legal_actions[0]


@pytest.fixture
def ttt():
    return arena.make_env("openspiel/tic_tac_toe")


def test_same_seed_same_record(ttt):
    agents = [arena.make_agent("random", ttt), arena.make_agent("random", ttt)]
    a = arena.play(ttt, agents, seed=7, names=["random", "random"])
    b = arena.play(ttt, agents, seed=7, names=["random", "random"])
    c = arena.play(ttt, agents, seed=8, names=["random", "random"])
    assert a.to_dict() | {"latencies": []} == b.to_dict() | {"latencies": []}
    assert a.moves != c.moves
    assert len(a.latencies) == a.plies and a.scores in ([1, 0], [0, 1], [0.5, 0.5])
    assert a.returns in ([1.0, -1.0], [-1.0, 1.0], [0.0, 0.0])


def test_chance_nodes_follow_the_seed():
    env = arena.make_env("openspiel/backgammon")
    agents = [arena.make_agent("random", env), arena.make_agent("random", env)]
    a, b = (arena.play(env, agents, seed=3) for _ in range(2))
    assert a.moves == b.moves and a.termination == "normal"


@pytest.mark.parametrize("behaviour, termination, reason", [
    (lambda obs: 99, "illegal", "not a legal action"),
    (lambda obs: "garbage", "illegal", "not a legal action"),
    (lambda obs: 1 / 0, "crash", "ZeroDivisionError"),
])
def test_misbehaving_agent_forfeits(ttt, behaviour, termination, reason):
    bad = Scripted(ttt.info, behaviour)
    good = Scripted(ttt.info, first_legal)
    record = arena.play(ttt, [good, bad], seed=1)
    assert record.termination == termination and reason in record.reason
    assert record.forfeit_player == 1 and record.scores == [1.0, 0.0]


def test_sleeping_agent_loses_on_time_and_arena_goes_on(ttt):
    sleeper = Scripted(ttt.info, lambda obs: time.sleep(3600))
    start = time.perf_counter()
    record = arena.play(ttt, [sleeper, Scripted(ttt.info, first_legal)], seed=1, time_per_move=0.2)
    assert time.perf_counter() - start < 5
    assert record.termination == "timeout" and record.forfeit_player == 0


def test_time_bank_absorbs_one_slow_move(ttt):
    calls = []

    def slow_once(obs):
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.15)
        return obs.legal_actions[0]

    fast = Scripted(ttt.info, first_legal)
    ok = arena.play(ttt, [Scripted(ttt.info, slow_once), fast], seed=1, time_per_move=0.1, time_bank=0.5)
    assert ok.termination == "normal"
    calls.clear()
    late = arena.play(ttt, [Scripted(ttt.info, slow_once), fast], seed=1, time_per_move=0.1)
    assert late.termination == "timeout"


def test_crash_in_reset_forfeits(ttt):
    class BadReset(Agent):
        def reset(self, seats, seed):
            raise RuntimeError("cannot start")

    record = arena.play(ttt, [Scripted(ttt.info, first_legal), BadReset(ttt.info)], seed=0)
    assert record.termination == "crash" and record.forfeit_player == 1 and "cannot start" in record.reason


def test_inform_tells_others_moves(ttt):
    class Listener(Agent):
        def __init__(self, info):
            super().__init__(info)
            self.heard = []

        def act(self, obs):
            return obs.legal_actions[-1]

        def inform(self, seat, action):
            self.heard.append((seat, action))

    listener = Listener(ttt.info)
    record = arena.play(ttt, [Scripted(ttt.info, first_legal), listener], seed=0)
    assert listener.heard == [tuple(m[0]) for m in record.moves if m[0][0] == 0]


def test_wrong_number_of_agents_is_a_clear_error(ttt):
    with pytest.raises(ArenaError, match="needs 2 agents"):
        arena.play(ttt, [arena.make_agent("random", ttt)])


def test_team_game_with_one_team_agent():
    env = arena.make_env("mpe2/simple_spread_v3")
    assert env.info.sides == ((0, 1, 2),)
    record = arena.play(env, [arena.make_agent("random", env)], seed=2)
    assert record.plies == 25 and len(record.moves[0]) == 3
    assert record.scores == [pytest.approx(sum(record.returns))]


def test_team_agent_must_answer_for_every_seat():
    env = arena.make_env("mpe2/simple_spread_v3")

    class Partial(Agent):
        def act_team(self, observations):
            seat = next(iter(observations))
            return {seat: 0}

    record = arena.play(env, [Partial(env.info)], seed=0)
    assert record.termination == "illegal" and "each of seats" in record.reason


def test_numpy_integer_actions_are_accepted(ttt):
    record = arena.play(ttt, [Scripted(ttt.info, lambda o: np.int64(o.legal_actions[0])),
                              Scripted(ttt.info, first_legal)], seed=0)
    assert record.termination == "normal"
