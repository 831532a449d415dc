"""Baseline agents play legally and as strongly as they should."""

import pytest

import arena
from arena.errors import ArenaError
from arena.testing import check_agent


@pytest.mark.parametrize("spec, env_id", [
    ("random", "openspiel/tic_tac_toe"),
    ("random", "pettingzoo/classic/connect_four_v3"),
    ("random", "mpe2/simple_spread_v3"),
    ("mcts:sims=50", "openspiel/connect_four"),
    ("mcts:sims=20,solve=false", "openspiel/backgammon"),
    ("minimax", "openspiel/tic_tac_toe"),
    ("minimax:depth=2", "openspiel/connect_four"),
])
def test_check_agent(spec, env_id):
    check_agent(spec, env_id, games=1)


def _score(env, spec_a, spec_b, games):
    a, b = arena.make_agent(spec_a, env), arena.make_agent(spec_b, env)
    total = 0.0
    for g in range(games):  # seats alternate
        if g % 2 == 0:
            total += arena.play(env, [a, b], seed=g).scores[0]
        else:
            total += arena.play(env, [b, a], seed=g).scores[1]
    return total / games


def test_minimax_never_loses_tic_tac_toe():
    env = arena.make_env("openspiel/tic_tac_toe")
    a, b = arena.make_agent("minimax", env), arena.make_agent("random", env)
    for g in range(40):
        seats = [a, b] if g % 2 == 0 else [b, a]
        record = arena.play(env, seats, seed=g)
        assert record.scores[g % 2] >= 0.5


def test_minimax_against_itself_draws():
    env = arena.make_env("openspiel/tic_tac_toe")
    a, b = arena.make_agent("minimax", env), arena.make_agent("minimax", env)
    assert all(arena.play(env, [a, b], seed=g).scores == [0.5, 0.5] for g in range(5))


def test_more_simulations_are_stronger():
    env = arena.make_env("openspiel/connect_four")
    assert _score(env, "mcts:sims=400", "mcts:sims=10", 10) >= 0.8


def test_alpha_beta_beats_random_at_connect_four():
    env = arena.make_env("openspiel/connect_four")
    assert _score(env, "minimax:depth=2", "random", 6) >= 0.8


def test_planner_without_forward_model_is_refused():
    env = arena.make_env("pettingzoo/classic/tictactoe_v3")
    with pytest.raises(ArenaError, match="needs a forward model"):
        arena.make_agent("mcts", env)


@pytest.mark.parametrize("spec, message", [
    ("mcts:simz=3", r"no parameter 'simz'; valid: sims: int"),
    ("mcts:sims=lots", "must be int"),
    ("mcts:sims", "malformed parameter"),
    ("rand0m", "did you mean random"),
    ("minimax:depth=2,depth=3", "given twice"),
    ("", "malformed agent spec"),
])
def test_bad_specs(spec, message):
    env = arena.make_env("openspiel/connect_four")
    with pytest.raises(ArenaError, match=message):
        arena.make_agent(spec, env)


def test_minimax_names_one_player_per_setting_on_openspiel_games():
    # depth 0 is exact on tic-tac-toe (9 plies) and depth 4 on Connect Four (42 plies).
    from arena.agents import canonical_spec

    assert canonical_spec("minimax", "openspiel/tic_tac_toe") == "minimax:depth=0"
    assert canonical_spec("minimax:exact_up_to=20", "openspiel/tic_tac_toe") == "minimax:depth=0"
    assert canonical_spec("minimax", "openspiel/connect_four") == "minimax:depth=4"
    assert canonical_spec("minimax:depth=4", "openspiel/connect_four") == "minimax:depth=4"
