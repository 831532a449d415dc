"""Game adapters against the real OpenSpiel and PettingZoo games."""

import pytest

import arena
from arena.errors import ArenaError
from arena.testing import check_env


@pytest.mark.parametrize("env_id", [
    "openspiel/tic_tac_toe",
    "openspiel/connect_four",
    "openspiel/breakthrough:rows=6,columns=6",
    "openspiel/leduc_poker",
    "openspiel/backgammon",
    "openspiel/kuhn_poker:players=3",
    "pettingzoo/classic/tictactoe_v3",
    "pettingzoo/classic/connect_four_v3",
    "pettingzoo/classic/leduc_holdem_v4",
    "mpe2/simple_spread_v3",
    "mpe2/simple_adversary_v3",
    "magent2/battle_v4:map_size=12,max_cycles=30",
])
def test_check_env(env_id):
    check_env(env_id, games=2)


def test_openspiel_params_and_info():
    env = arena.make_env("openspiel/breakthrough:rows=6,columns=6")
    assert env.info.id == "openspiel/breakthrough:rows=6,columns=6"
    assert env.info.forward_model and env.info.kind == arena.TURN_BASED
    assert env.game.get_parameters()["rows"] == 6
    poker = arena.make_env("openspiel/leduc_poker")
    assert not poker.info.forward_model  # hidden cards: no peeking through a clone


def test_imperfect_information_observations_differ_by_seat():
    env = arena.make_env("openspiel/leduc_poker")
    env.reset(seed=1)
    assert (env.observation(0) != env.observation(1)).any()


@pytest.mark.parametrize("env_id", ["openspiel/leduc_poker", "openspiel/kuhn_poker:players=3",
                                    "openspiel/connect_four", "openspiel/liars_dice", "openspiel/backgammon"])
def test_openspiel_fast_paths_match_the_state_methods(env_id):
    """Observer buffer, legal mask and chance draws against pyspiel's own state methods and
    random.choices: the same tensors and masks, and the same games for the same seed."""
    import random

    import numpy as np

    env = arena.make_env(env_id)
    assert env._observer is not None
    for seed in range(3):
        env.reset(seed)
        rng, state = random.Random(seed), env.game.new_initial_state()
        while not state.is_terminal():
            if state.is_chance_node():  # the draws random.choices makes from the same seed
                outcomes, probs = zip(*state.chance_outcomes())
                state.apply_action(rng.choices(outcomes, probs)[0])
                continue
            assert str(state) == str(env.state) and env.to_move() == [state.current_player()]
            for seat in range(env.info.num_seats):
                tensor = (state.observation_tensor(seat) if env._use_obs
                          else state.information_state_tensor(seat))
                assert np.array_equal(env.observation(seat).ravel(), np.asarray(tensor, dtype=np.float32))
                assert env.legal_mask(seat).tolist() == [a in state.legal_actions(seat)
                                                         for a in range(env.info.num_actions)]
            action = state.legal_actions()[seed % len(state.legal_actions())]
            state.apply_action(action)
            env.step({env.to_move()[0]: action})
        assert env.is_over() and env.to_move() == [] and env.returns() == state.returns()


def test_magent_battle_teams():
    env = arena.make_env("magent2/battle_v4:map_size=12,max_cycles=20")
    assert env.info.sides == ((0, 1), (2, 3))
    record = arena.play(env, [arena.make_agent("random", env)] * 2, seed=0)
    assert record.termination == "normal" and sum(record.scores) == 1


def test_teams_from_agent_names():
    env = arena.make_env("mpe2/simple_adversary_v3")
    assert env.info.seat_names[0] == "adversary_0"
    assert env.info.sides == ((0,), (1, 2))


@pytest.mark.parametrize("env_id, message", [
    ("openspiel/conect_four", "did you mean openspiel/connect_four"),
    ("openspiel/connect_four:rowz=3", "valid parameters: columns"),
    ("nonsense", "malformed env id"),
    ("pettingzoo/classic/chess_v99", "unknown env"),
    ("openspiel/tic_tac_toe:rows", "malformed parameter"),
])
def test_bad_env_ids(env_id, message):
    with pytest.raises(ArenaError, match=message):
        arena.make_env(env_id)


def test_catalog_lists_families():
    ids = {row["id"]: row for row in arena.list_envs()}
    assert ids["openspiel/connect_four"]["forward_model"] is True
    assert ids["openspiel/chess"]["plugin"] == "openspiel"
    assert ids["pettingzoo/classic/go_v5"]["kind"] == "turn-based"
    assert ids["mpe2/simple_spread_v3"]["kind"] == "simultaneous"
    assert len([i for i in ids if i.startswith("openspiel/")]) > 50
