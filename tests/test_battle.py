"""magent2 battle: the scripted `battle-scripted` army (its action ids checked against the real
env), killed soldiers reported by the adapter's eliminated(), and kills in PPO's evaluations."""

import numpy as np
import pytest

import arena

pytest.importorskip("magent2")
from arena_baselines.battle import ATTACKS, MOVES, soldier_action  # noqa: E402

BATTLE = "magent2/battle_v4:map_size=16,max_cycles=150"  # 6 v 6


def test_move_ids_are_magent2s_soldier_moves():
    from magent2.environments import battle_v4

    for dx, dy in [(1, 0), (0, -1), (1, 1), (0, 1)]:  # cells free of walls and allies for red_1
        env = battle_v4.parallel_env(map_size=16, max_cycles=10)
        env.reset(seed=0)
        grid, red = env.unwrapped.env, env.unwrapped.handles[0]
        before = grid.get_pos(red)[1].copy()
        env.step({name: MOVES.index((0, 0)) for name in env.agents} | {"red_1": MOVES.index((dx, dy))})
        assert tuple(grid.get_pos(red)[1] - before) == (dx, dy)


def test_a_soldier_attacks_an_adjacent_enemy_else_closes_in_else_advances():
    view = np.zeros((13, 13, 5), np.float32)
    rng = np.random.default_rng(0)
    assert MOVES[soldier_action(view, +1, rng)][0] == 2  # red, nobody in sight: two cells east
    assert MOVES[soldier_action(view, -1, rng)][0] == -2  # blue: west
    view[6 + 3, 6 - 1, 3] = 1  # an enemy 3 south, 1 west
    assert MOVES[soldier_action(view, +1, rng)] in [(0, 2), (-1, 1)]  # two cells nearer
    view[6 + 1, 6 + 1, [3, 4]] = 1, 0.9  # a neighbour south-east
    view[6, 6 - 1, [3, 4]] = 1, 0.3  # and a weaker one west
    assert soldier_action(view, +1, rng) == len(MOVES) + ATTACKS.index((-1, 0))


def test_the_scripted_army_wipes_out_random_play_and_the_kills_are_counted():
    env = arena.make_env(BATTLE)
    red, blue = env.info.sides
    for seed, order in ((0, ["battle-scripted", "random"]), (1, ["random", "battle-scripted"])):
        record = arena.play(env, [arena.make_agent(a, env) for a in order], seed=seed, names=order)
        scripted = order.index("battle-scripted")
        assert record.scores[scripted] == 1.0 and record.plies < 150  # over when a team falls
        assert set(env.eliminated()) >= set(record.sides[1 - scripted])  # every random soldier died
        assert len(set(env.eliminated()) & set(record.sides[scripted])) < len(red)


def test_soldiers_killed_mid_game_are_eliminated_and_a_new_game_revives_them():
    env = arena.make_env(BATTLE)
    scripted, rnd = arena.make_agent("battle-scripted", env), arena.make_agent("random", env)
    env.reset(3)
    assert env.eliminated() == [] and arena.make_env("mpe2/simple_tag_v3").eliminated() is None  # untracked
    scripted.reset(env.info.sides[0], 3)
    while not env.is_over() and not env.eliminated():
        moves = scripted.act_team({s: arena.Observation(env, s, None, False) for s in env.to_move() if s < 6})
        moves |= {s: rnd.act(arena.Observation(env, s, None, False)) for s in env.to_move() if s >= 6}
        env.step(moves)
    gone = env.eliminated()
    assert gone and not set(gone) & set(env.to_move())  # the dead have left the game
    env.reset(4)
    assert env.eliminated() == [] and len(env.to_move()) == 12


def test_ppo_evaluation_reports_kills_beside_wins_in_battles_only():
    from arena_ppo.model import TeamPolicy
    from arena_ppo.train import describe, evaluate

    info = arena.make_env(BATTLE).info
    model = TeamPolicy(int(np.prod(info.observation_shape)), info.num_seats, info.num_actions)
    result = evaluate(model, BATTLE, "battle-scripted", games=2, seed=0)
    assert result["games"] == 2 and 0 <= result["kills"] <= 6 and result["deaths"] > 0  # an untrained army
    line = describe("ppo battle", {"iteration": 1, "step": 1, "sps": 1, "elapsed": 0.0,
                                   **{f"eval_battle-scripted_{k}": v for k, v in result.items()}})
    assert f"vs battle-scripted {result['score']:.2f} ({result['kills']:.1f} kills/game)" in line
    pytest.importorskip("arena_fivehero")
    info = arena.make_env("fivehero/1v1").info
    model = TeamPolicy(int(np.prod(info.observation_shape)), info.num_seats, info.num_actions)
    assert "kills" not in evaluate(model, "fivehero/1v1", "random", games=1, seed=0)  # heroes respawn: untracked


def test_the_scripted_opponent_in_training_gets_a_fresh_seed_every_game():
    """Reset with one seed every game, the scripted army drifts the same way each time: a fixed
    target the learner overfit (1.0 in training, 0.45 in referee games from one side)."""
    from arena_ppo.league import League
    from arena_ppo.model import TeamPolicy
    from arena_ppo.pool import SCRIPTED
    from arena_ppo.train import Args
    from arena_ppo.vec import Finished, VecEnv

    vec = VecEnv(BATTLE, 1, seed=0)
    info = vec.info
    dims = (vec.obs_dim, info.num_seats, info.num_actions, 0, 8)
    args = Args(env_id=BATTLE, random_fraction=0.0, scripted_fraction=1.0, scripted_spec="battle-scripted")
    league = League(args, info.sides, TeamPolicy(*dims), dims, vec.envs, np.random.default_rng(0))
    first_draws = []
    for _ in range(3):
        league.game_over(Finished(0, [0.0] * info.num_seats, [1.0, 0.0]))
        assert league.opponent[0] == SCRIPTED
        first_draws.append(int(league.nets.scripted[0].rng.integers(2**30)))
    assert len(set(first_draws)) == 3
    vec.close()
