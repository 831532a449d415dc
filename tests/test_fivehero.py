"""The fivehero game: PettingZoo API and seeding, rules, masks, rendering, the referee,
and the scripted team against random."""

import warnings

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test, parallel_seed_test

import arena
from arena_fivehero.env import BASE_HP, parallel_env


@pytest.mark.parametrize("team_size", [1, 3, 5])
def test_pettingzoo_api_and_seed(team_size):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parallel_api_test(parallel_env(team_size=team_size), num_cycles=300)
    assert not [w for w in caught if "fivehero" in str(w.filename) or "agent" in str(w.message).lower()]
    parallel_seed_test(lambda: parallel_env(team_size=team_size))


def random_game(seed, steps=200, team_size=5):
    """Random legal actions; returns the trajectory of observations, masks and rewards."""
    env = parallel_env(team_size=team_size, max_cycles=steps)
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    trace = []
    while env.agents:
        obs, mask = env.observe_all()
        actions = (rng.random(mask.shape) * mask).argmax(1)
        assert mask[np.arange(len(actions)), actions].all()
        rewards, *_ = env.step_all(actions)
        trace.append((obs, mask, rewards))
        if env.winner is not None:
            break
    return env, trace


def test_same_seed_same_game_and_different_seed_differs():
    _, a = random_game(7)
    _, b = random_game(7)
    _, c = random_game(8)
    assert all(np.array_equal(x, y) for s, t in zip(a, b) for x, y in zip(s, t))
    assert not all(np.array_equal(s[0], t[0]) for s, t in zip(a, c))


def test_masks_observations_and_zero_sum_rewards():
    env, trace = random_game(3)
    space = env.observation_space("radiant_0")
    for obs, mask, rewards in trace:
        assert mask[:, 0].all()  # stay is always legal
        assert obs.shape == (10, env.obs_dim) and obs.dtype == np.float32
        assert np.abs(obs).max() <= 1.0
        assert space["action_mask"].contains(mask[0])
        team_totals = rewards.reshape(2, 5).sum(1)
        assert team_totals[0] == pytest.approx(-team_totals[1])
    assert any(r.any() for _, _, r in trace), "shaped rewards never fired"
    assert env.state().shape == env.state_space.shape


def test_dead_heroes_keep_their_slot_with_a_noop_mask():
    env = parallel_env(team_size=1)
    env.reset(seed=0)
    env.hp[1] = 1.0  # the dire hero is nearly dead: put the radiant ranged hero next to it
    env.cell[0] = env.cell[1] - 1
    env._update_views()
    obs, mask = env.observe_all()
    assert mask[0, 5], "the adjacent enemy must be attackable"
    env.step_all(np.array([5, 0]))
    _, mask = env.observe_all()
    assert not env.alive[1] and env.agents == env.possible_agents
    assert mask[1].tolist() == [1] + [0] * (env.num_actions - 1)


def test_destroying_the_base_wins():
    env = parallel_env(team_size=1, shaped=False)
    env.reset(seed=0)
    env.base_hp[1] = 1.0
    env.cell[0] = 9 * 12 + 9  # next to the dire base at (10, 10)
    env._update_views()
    obs, rewards, terms, truncs, _ = env.step({"radiant_0": env.attack_base_action, "dire_0": 0})
    assert rewards == {"radiant_0": 1.0, "dire_0": -1.0}
    assert all(terms.values()) and env.agents == []
    assert env.base_hp[0] == BASE_HP


def test_render_modes():
    ansi = parallel_env(team_size=3, render_mode="ansi")
    ansi.reset(seed=1)
    text = ansi.render()
    assert "radiant base" in text and len(text.splitlines()) == 1 + 12 + 2
    rgb = parallel_env(team_size=3, render_mode="rgb_array")
    rgb.reset(seed=1)
    image = rgb.render()
    assert image.shape == (192, 192, 3) and image.dtype == np.uint8 and image.std() > 0


def test_bad_parameters_are_one_line_errors():
    with pytest.raises(arena.ArenaError, match="team_size"):
        arena.make_env("fivehero/5v5:team_size=9")
    with pytest.raises(arena.ArenaError, match="render_mode"):
        parallel_env(render_mode="human")


def test_referee_game_and_registration():
    env = arena.make_env("fivehero/3v3")
    assert env.info.teams == ((0, 1, 2), (3, 4, 5))
    agents = [arena.make_agent("fivehero-scripted", env), arena.make_agent("random", env)]
    record = arena.play(env, agents, seed=5)
    assert record.termination == "normal" and sum(record.scores) == 1.0
    with pytest.raises(arena.ArenaError, match="fivehero"):
        arena.make_agent("fivehero-scripted", arena.make_env("openspiel/tic_tac_toe"))


def test_scripted_beats_random():
    env = arena.make_env("fivehero/5v5")
    score = 0.0
    for game in range(20):
        scripted, rand = arena.make_agent("fivehero-scripted", env), arena.make_agent("random", env)
        side = game % 2
        record = arena.play(env, [scripted, rand] if side == 0 else [rand, scripted], seed=game)
        score += record.scores[side]
    assert score >= 15, f"scripted scored only {score}/20 against random"


@pytest.mark.parametrize("env_id", ["fivehero/1v1", "fivehero/5v5"])
def test_arena_check_env(env_id):
    from arena.testing import check_agent, check_env

    check_env(env_id)
    check_agent("fivehero-scripted", env_id)
