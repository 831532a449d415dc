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
