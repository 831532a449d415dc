"""A Python game that offers the documented forward model (the example plugin's Nim) gets a
`mcts` and a `minimax` that really play it; one that does not is never offered them."""

from functools import reduce
from operator import xor
from pathlib import Path

import pytest

from arena import Agent, ArenaError, ForwardModel, Observation, hookimpl, make_agent, make_env, play
from arena.envs.base import TURN_BASED, Env, EnvInfo
from arena.plugins import get_registry
from arena.testing import check_env

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "arena-nim"


@pytest.fixture
def nim(register_plugin, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLE))
    if get_registry().find("envs", "nim/classic") is None:  # not pip-installed here
        import arena_nim

        register_plugin(arena_nim, "nim-example")


def nim_sum(heaps):
    return reduce(xor, heaps, 0)


@pytest.mark.parametrize("heaps", [(3, 4, 5), (1, 2, 4), (2, 5, 6), (1, 3, 5, 6), (7, 7, 1)])
def test_minimax_finds_the_winning_nim_move_the_nim_sum_names(nim, heaps):
    # Bouton (1901): from a position of non-zero nim-sum the winning moves are exactly those
    # to a nim-sum of zero; an exact solver must find one.
    from arena_nim.game import NimState

    env = make_env("nim/classic:heaps=" + "-".join(map(str, heaps)))
    agent = make_agent("minimax:exact_up_to=20", env)
    agent.reset((0,), seed=1)
    env.reset(0)
    env.state = NimState(heaps, False, env.width)
    action = agent.act(Observation(env, 0, None, True))
    assert nim_sum(heaps) != 0
    assert nim_sum(env.state.child(action).heaps) == 0


def test_python_mcts_beats_random_at_nim_from_both_seats(nim):
    env = make_env("nim/classic")
    wins = 0
    for seed in range(6):
        for seat in (0, 1):
            agents = [make_agent("random", env), make_agent("random", env)]
            agents[seat] = make_agent("mcts:sims=300", env)
            record = play(env, agents, seed, names=["a", "b"])
            assert record.termination == "normal", record.reason
            wins += record.scores[seat] == 1.0
    assert wins >= 10, f"mcts won only {wins} of 12 games against random"


def test_the_example_game_passes_the_forward_model_checks(nim):
    check_env("nim/classic", games=2)
    check_env("nim/classic:heaps=1-3-5-7,misere=true", games=2)


def test_openspiel_states_are_forward_models():
    env = make_env("openspiel/tic_tac_toe")
    env.reset(0)
    assert isinstance(env.clone_state(), ForwardModel)


class Counter(Env):
    """A one-move game that declares a forward model but offers none."""

    def __init__(self, forward_model: bool):
        self.info = EnvInfo("counter/one", TURN_BASED, 2, 2, (1,), forward_model=forward_model)
        self.done = False

    def reset(self, seed):
        self.done = False

    def to_move(self):
        return [] if self.done else [0]

    def observation(self, seat):
        import numpy as np

        return np.zeros(1, np.float32)

    def legal_actions(self, seat):
        return [0, 1]

    def step(self, actions):
        self.done = True

    def is_over(self):
        return self.done

    def returns(self):
        return [0.0, 0.0]


def make_counter(name, params, forward_model=False):
    return Counter(forward_model)


def test_a_game_without_a_forward_model_is_not_offered_planners(register_plugin):
    class Plugin:
        @hookimpl
        def register_envs(register):
            register("counter/one", "tests.test_forward_model:make_counter", kind=TURN_BASED, players=2)
            register("counter/liar", "tests.test_forward_model:make_counter", kind=TURN_BASED,
                     players=2, forward_model=True, options={"forward_model": True})

    register_plugin(Plugin, "counter")
    with pytest.raises(ArenaError, match="mcts cannot play counter/one: it needs a forward model"):
        make_agent("mcts", make_env("counter/one"))
    # Declaring a forward model without offering one is caught by the test kit, before any
    # tournament could offer mcts and see it forfeit.
    with pytest.raises(ArenaError, match="offers no forward model"):
        check_env("counter/liar", games=1)


def test_agents_only_need_the_observation_protocol():
    from arena import ObservationProtocol
    from arena.remote import RemoteObservation

    env = make_env("openspiel/tic_tac_toe")
    env.reset(0)
    local = Observation(env, 0, None, False)
    remote = RemoteObservation({"seat": 0, "legal_actions": [0, 1], "observation": [0.0] * 27},
                               None, env.info.observation_shape, env)
    assert isinstance(local, ObservationProtocol) and isinstance(remote, ObservationProtocol)
    assert isinstance(Agent(env.info), Agent)
