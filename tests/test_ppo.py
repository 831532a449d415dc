"""Team PPO: GAE and reward shaping by hand, the opponent pool, a tiny real training run on
mpe2/simple_spread_v3 whose checkpoint plays through the referee, resume, and one-line errors."""

import json

import numpy as np
import pytest
import torch

import arena
from arena.cli import main
from arena.envs.base import SIMULTANEOUS, EnvInfo
from arena.errors import ArenaError
from arena_ppo import checkpoint as ckpt
from arena_ppo.model import TeamPolicy, sample
from arena_ppo.pool import LATEST, OpponentPool
from arena_ppo.train import Args, compute_gae, self_play_sides, shape_rewards, train

pytest.importorskip("mpe2")
SPREAD = "mpe2/simple_spread_v3"


def test_gae_matches_a_hand_computed_example():
    # One chain of 3 steps; observation 2 starts a new game, so step 1 bootstraps nothing.
    rewards = np.array([1.0, 0.0, 2.0])
    values = np.array([0.5, 0.4, 0.3])
    dones = np.array([0.0, 0.0, 1.0])
    adv, ret = compute_gae(rewards, values, dones, next_value=np.array(0.6), next_done=np.array(0.0),
                           gamma=0.9, lam=0.8)
    # t=2: 2 + 0.9*0.6 - 0.3 = 2.24; t=1: 0 - 0.4 = -0.4; t=0: 1 + 0.9*0.4 - 0.5 + 0.72*(-0.4) = 0.572
    np.testing.assert_allclose(adv, [0.572, -0.4, 2.24], atol=1e-9)
    np.testing.assert_allclose(ret, [1.072, 0.0, 2.54], atol=1e-9)


def test_gae_bootstraps_from_next_value_unless_the_game_just_ended():
    rewards, values = np.zeros((1, 2)), np.zeros((1, 2))
    adv, _ = compute_gae(rewards, values, np.zeros((1, 2)), next_value=np.array([1.0, 1.0]),
                         next_done=np.array([0.0, 1.0]), gamma=0.5, lam=1.0)
    np.testing.assert_allclose(adv, [[0.5, 0.0]])


def test_rewards_are_zero_summed_then_blended_by_team_spirit():
    sides = ((0, 1), (2, 3))
    rho = np.array([[1.0, 0.0, 0.0, 0.0]])
    selfish = shape_rewards(rho, sides, tau=0.0, zero_sum=True)
    np.testing.assert_allclose(selfish, [[1.0, 0.0, -0.5, -0.5]])
    shared = shape_rewards(rho, sides, tau=1.0, zero_sum=True)
    np.testing.assert_allclose(shared, [[0.5, 0.5, -0.5, -0.5]])
    assert shape_rewards(rho, sides, tau=0.3, zero_sum=True).sum() == pytest.approx(0.0)
    np.testing.assert_allclose(shape_rewards(np.array([[3.0, 1.0, 2.0]]), ((0, 1, 2),), 0.5, True),
                               [[2.5, 1.5, 2.0]])


def test_pool_quality_update_follows_openai_five():
    pool = OpponentPool(eta=0.01)
    pool.add({"w": torch.zeros(1)}, snapshot_id=10)
    pool.add({"w": torch.ones(1)}, snapshot_id=20)
    np.testing.assert_allclose(pool.probabilities(), [0.5, 0.5])
    pool.learner_won(0)  # q_0 -= η / (N p_0) = 0.01 / (2 * 0.5)
    np.testing.assert_allclose(pool.quality, [-0.01, 0.0])
    pool.add({"w": torch.ones(1)}, snapshot_id=30)  # enters at max(q)
    np.testing.assert_allclose(pool.quality, [-0.01, 0.0, 0.0])


def test_pool_sampling_mixes_latest_and_snapshots_by_softmax_quality():
    rng = np.random.default_rng(0)
    pool = OpponentPool()
    assert pool.sample(rng) == LATEST  # empty pool: always the latest
    for i in range(2):
        pool.add({}, snapshot_id=i)
    pool.quality = np.array([0.0, np.log(3.0)])  # p = (1/4, 3/4)
    draws = np.array([pool.sample(rng, latest_fraction=0.8) for _ in range(20_000)])
    assert np.mean(draws == LATEST) == pytest.approx(0.8, abs=0.015)
    past = draws[draws != LATEST]
    assert np.mean(past == 1) == pytest.approx(0.75, abs=0.03)


def test_pool_forgets_the_oldest_beyond_capacity():
    pool = OpponentPool(capacity=2)
    for i in range(3):
        pool.add({}, snapshot_id=i)
    assert pool.ids == [1, 2] and len(pool.quality) == 2


def test_masked_actions_are_never_sampled():
    model = TeamPolicy(obs_dim=4, num_seats=2, num_actions=5)
    mask = torch.tensor([[False, True, False, False, True]] * 200)
    actions, logp = sample(model.logits(torch.randn(200, 4), torch.zeros(200, dtype=torch.long), mask))
    assert set(actions.tolist()) <= {1, 4} and torch.isfinite(logp).all()


def test_the_mlps_tanh_is_torchs_in_value_and_gradient():
    from arena_ppo.model import Tanh

    x = torch.linspace(-12, 12, 40_001, requires_grad=True)  # large enough for the sigmoid path
    mine, reference = Tanh()(x), torch.tanh(x)
    torch.testing.assert_close(mine, reference, atol=3e-7, rtol=0)
    (grad_mine,), (grad_reference,) = torch.autograd.grad(mine.sum(), x), torch.autograd.grad(reference.sum(), x)
    torch.testing.assert_close(grad_mine, grad_reference, atol=1e-6, rtol=0)
    with torch.inference_mode():
        torch.testing.assert_close(Tanh()(x), reference, atol=3e-7, rtol=0)


def test_self_play_needs_teams():
    no_teams = EnvInfo("some/duel", SIMULTANEOUS, 2, 3, (4,))
    with pytest.raises(ArenaError, match="has no teams"):
        self_play_sides(no_teams)
    assert self_play_sides(EnvInfo("x/coop", SIMULTANEOUS, 3, 5, (4,), teams=((0, 1, 2),))) is False
    assert self_play_sides(EnvInfo("x/2v2", SIMULTANEOUS, 4, 5, (4,), teams=((0, 1), (2, 3)))) is True


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("spread")
    result = train(Args(env_id=SPREAD, steps=4096, out=str(out), num_envs=4, rollout=32, epochs=2,
                        progress=False, checkpoint_every=100))
    return out, result


def test_tiny_training_run_writes_metrics_and_a_checkpoint_that_plays(tiny_run):
    out, result = tiny_run
    assert result["step"] == 4096
    rows = [json.loads(line) for line in open(out / "metrics.jsonl")]
    assert len(rows) == 32 and all(np.isfinite(r["v_loss"]) for r in rows)
    assert rows[-1]["episode_return"] < 0  # simple_spread rewards are distances: negative
    env = arena.make_env(SPREAD)
    agent = arena.make_agent(f"ppo:checkpoint={out}/latest.pt", env)
    record = arena.play(env, [agent], seed=3, names=["ppo"])
    assert record.termination == "normal" and record.plies == 25 and len(record.returns) == 3
    again = arena.play(env, [arena.make_agent(f"ppo:checkpoint={out}/latest.pt", env)], seed=3)
    assert again.moves == record.moves  # the same seed plays the same game


def test_checkpoint_loads_weights_only(tiny_run):
    out, _ = tiny_run
    data = torch.load(out / "latest.pt", weights_only=True)
    assert data["env_id"] == SPREAD and data["global_step"] == 4096 and "optimizer" in data


def test_resume_continues_the_step_count(tiny_run, tmp_path):
    out, _ = tiny_run
    (tmp_path / "latest.pt").write_bytes((out / "latest.pt").read_bytes())
    result = train(Args(env_id=SPREAD, steps=6144, out=str(tmp_path), num_envs=4, rollout=32, epochs=1,
                        progress=False, resume=True))
    assert result["step"] == 6144 and result["iteration"] == 48


def test_checkpoint_for_another_env_is_a_one_line_error(tiny_run):
    out, _ = tiny_run
    other = arena.make_env(SPREAD + ":N=2")
    with pytest.raises(ArenaError, match=r"expects observations of size 18, 5 actions and 3 seats; "
                                         r"mpe2/simple_spread_v3:N=2 has 12, 5 and 2"):
        arena.make_agent(f"ppo:checkpoint={out}/latest.pt", other)
    with pytest.raises(ArenaError, match=r"trained on mpe2/simple_spread_v3, not mpe2/simple_adversary_v3"):
        arena.make_agent(f"ppo:checkpoint={out}/latest.pt", arena.make_env("mpe2/simple_adversary_v3"))
    with pytest.raises(ArenaError, match="no checkpoint at"):
        arena.make_agent(f"ppo:checkpoint={out}/missing.pt", other)
    (out / "junk.pt").write_text("not a checkpoint")
    with pytest.raises(ArenaError, match="is not a ppo checkpoint"):
        ckpt.load(out / "junk.pt")


@pytest.mark.parametrize("argv, message", [
    (["train", "ppo", "openspiel/kuhn_poker:players=3", "--steps", "10"], "two-player zero-sum"),
    (["train", "ppo", SPREAD, "--minutes", "0"], "--minutes must be > 0"),
    (["train", "ppo", SPREAD, "--steps", "10", "--out", "/proc/arena-ppo"], "is not writable"),
    (["train", "ppo", SPREAD, "--set", "nonsense=1"], "expected KEY=VALUE"),
])
def test_bad_input_exits_2_with_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2 and message in err and "\n" not in err


@pytest.mark.slow
def test_simple_spread_learns_beyond_random(tmp_path):
    result = train(Args(env_id=SPREAD, steps=200_000, out=str(tmp_path), progress=False))
    rows = [json.loads(line) for line in open(tmp_path / "metrics.jsonl")]
    late = np.mean([r["episode_return"] for r in rows[-20:]])
    assert late > -23.5, late  # random plays -26.2; the reference MAPPO run had -21.4 at 200k
    assert result["step"] >= 200_000


def test_snapshots_leaving_a_full_pool_mid_game_are_replaced_by_the_latest(tmp_path):
    pytest.importorskip("arena_fivehero")
    result = train(Args(env_id="fivehero/1v1:shaped=true", steps=2048, out=str(tmp_path), num_envs=2,
                        rollout=16, epochs=1, snapshot_every=1, pool_capacity=1, latest_fraction=0.0,
                        random_fraction=0.0, eval_every=10**6, progress=False))
    assert result["iteration"] == 64 and result["pool"] == 1


def test_self_play_on_fivehero_fills_the_pool_and_records_evaluations(tmp_path):
    pytest.importorskip("arena_fivehero")
    out = tmp_path / "five"
    result = train(Args(env_id="fivehero/3v3:shaped=true", steps=4096, out=str(out), num_envs=4,
                        rollout=64, epochs=1, snapshot_every=2, eval_every=8, eval_games=2,
                        progress=False))
    assert result["iteration"] == 16 and result["pool"] == 8
    assert result["eval_fivehero-scripted_games"] == 2 and "eval_random_score" in result
    from arena.store import Store

    store = Store(out / "arena.db")
    assert len(store.games(env="fivehero/3v3")) == 2 * 2 * 2  # 2 rounds x 2 opponents x 2 games
    assert store.checkpoints()  # the iter_*.pt agents are tagged with the run and step
    store.close()
    env = arena.make_env("fivehero/3v3")  # trained on shaped rewards, plays the scored game
    team = arena.make_agent(f"ppo:checkpoint={out}/latest.pt", env)
    record = arena.play(env, [arena.make_agent("fivehero-scripted", env), team], seed=5)
    assert record.termination == "normal" and sorted(record.scores) in ([0.0, 1.0], [0.5, 0.5])


def test_a_killed_run_leaves_a_usable_last_checkpoint(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "arena", "train", "ppo", SPREAD, "--steps", "10000000",
                             "--out", str(out), "--no-progress", "--set", "num_envs=2", "--set", "rollout=16",
                             "--set", "checkpoint_every=1000"], stderr=subprocess.PIPE)
    metrics = out / "metrics.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and not (metrics.exists() and len(metrics.read_text().splitlines()) >= 2):
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    data = ckpt.load(out / "latest.pt")  # written on the way out, not by checkpoint_every
    assert data["iteration"] >= 2 and data["global_step"] >= data["iteration"] * 32
    env = arena.make_env(SPREAD)
    assert arena.play(env, [arena.make_agent(f"ppo:checkpoint={out}/latest.pt", env)], seed=0).plies == 25


def test_the_opponent_mix_samples_scripted_games_at_its_share():
    from arena_ppo.league import draw_opponent
    from arena_ppo.pool import RANDOM, SCRIPTED

    rng, pool = np.random.default_rng(0), OpponentPool()
    args = Args(random_fraction=0.1, scripted_fraction=0.3)
    draws = np.array([draw_opponent(pool, rng, args) for _ in range(4000)])
    assert abs((draws == SCRIPTED).mean() - 0.3) < 0.03 and abs((draws == RANDOM).mean() - 0.1) < 0.02
    assert set(draws) == {RANDOM, SCRIPTED, LATEST}  # the pool is empty


def test_scripted_opponents_play_from_the_batched_arrays_as_from_observations():
    pytest.importorskip("arena_fivehero")
    from arena.agents import Observation
    from arena_ppo.league import OpponentNets
    from arena_ppo.pool import SCRIPTED
    from arena_ppo.vec import VecEnv

    vec = VecEnv("fivehero/3v3:shaped=true", 2, seed=3)
    nets = OpponentNets(None, OpponentPool())
    nets.add_scripted("fivehero-scripted", vec.envs)
    env = arena.make_env("fivehero/3v3")
    env.reset(7)
    obs, mask = np.stack([env.env.observe_all()[0]] * 2), np.stack([env.env.observe_all()[1]] * 2).astype(bool)
    seats = np.array([[3, 4, 5], [0, 1, 2]])
    actions = np.full((2, 6), -1)
    nets.act(obs, mask, seats, np.full(2, SCRIPTED), actions)
    reference = arena.make_agent("fivehero-scripted", env)
    expected = reference.act_team({s: Observation(env, s, None, False) for s in range(3)})
    assert [actions[1, s] for s in range(3)] == [expected[s] for s in range(3)]
    assert (actions[0, :3] == -1).all() and (actions[0, 3:] >= 0).all()


def test_training_against_the_scripted_team_records_its_games(tmp_path):
    pytest.importorskip("arena_fivehero")
    result = train(Args(env_id="fivehero/3v3:shaped=true", steps=2 * 64 * 8, out=str(tmp_path), num_envs=2,
                        rollout=64, epochs=1, random_fraction=0.0, scripted_fraction=1.0, draw_penalty=0.3,
                        eval_every=10**6, progress=False))
    rows = [json.loads(line) for line in open(tmp_path / "metrics.jsonl")]
    scripted = [r["score_vs_scripted"] for r in rows if r["score_vs_scripted"] is not None]
    assert scripted and all(0.0 <= s <= 1.0 for s in scripted)
    assert result["iteration"] == 8


def test_self_play_trains_on_magent2_battle_through_the_adapter(tmp_path):
    pytest.importorskip("magent2")
    env_id = "magent2/battle_v4:map_size=12,max_cycles=20"  # 2 v 2; heroes die and leave env.agents
    result = train(Args(env_id=env_id, steps=2 * 2 * 16, out=str(tmp_path), num_envs=2, rollout=16, epochs=1,
                        eval_env_id=env_id, eval_opponents="random", eval_every=2, eval_games=2, progress=False))
    assert result["iteration"] == 2 and result["episodes"] == 2  # both games ended at step 20
    assert np.isfinite(result["v_loss"]) and result["eval_random_games"] == 2
    assert 0 <= result["eval_random_kills"] <= 2 and 0 <= result["eval_random_deaths"] <= 2  # beside the wins
    env = arena.make_env(env_id)
    record = arena.play(env, [arena.make_agent(f"ppo:checkpoint={tmp_path}/latest.pt", env),
                              arena.make_agent("random", env)], seed=1)
    assert record.termination == "normal" and sorted(record.scores) in ([0.0, 1.0], [0.5, 0.5])


def test_shaping_weight_keeps_the_result_whole():
    from arena_ppo.train import weigh_shaping
    from arena_ppo.vec import Finished

    sides = ((0, 1), (2, 3))
    rho = np.array([[1.5, 0.2, -1.1, -0.6], [0.4, 0.0, -0.2, -0.2]], np.float32)  # env 0 ends: side 0 won
    out = weigh_shaping(rho, [Finished(0, [0.0] * 4, [1.0, 0.0])], sides, weight=0.2)
    np.testing.assert_allclose(out[0], [1.0 + 0.2 * 0.5, 1.0 + 0.2 * -0.8, -1.0 + 0.2 * -0.1, -1.0 + 0.2 * 0.4], atol=1e-6)
    np.testing.assert_allclose(out[1], 0.2 * rho[1], atol=1e-6)  # mid-game: events only, scaled
    draw = weigh_shaping(rho, [Finished(0, [0.0] * 4, [0.5, 0.5])], sides, weight=0.2)
    np.testing.assert_allclose(draw[0], 0.2 * rho[0], atol=1e-6)
    assert weigh_shaping(rho, [], sides, weight=1.0) is rho


def test_worker_processes_step_the_same_games_as_one_process():
    from arena_ppo.vec import VecEnv, WorkerVecEnv

    workers = WorkerVecEnv(SPREAD, 5, seed=4, workers=2)  # envs 0-2 in worker 0, 3-4 in worker 1
    try:
        chunks = [VecEnv(SPREAD, 3, [4, 0]), VecEnv(SPREAD, 2, [4, 1])]  # what each worker runs
        rng = np.random.default_rng(0)
        ends = []
        for _ in range(60):  # episodes of 25 steps: games end and restart in both workers
            obs, mask, alive, state = workers.observe(np.zeros(5, int))
            parts = [c.observe(np.zeros(len(c.envs), int)) for c in chunks]
            for got, want in zip((obs, mask, alive, state), zip(*parts)):
                np.testing.assert_array_equal(got, np.concatenate(want))
            actions = rng.integers(0, 5, size=(5, 3))
            rewards, done, finished = workers.step(actions)
            steps = [chunks[0].step(actions[:3]), chunks[1].step(actions[3:])]
            np.testing.assert_array_equal(rewards, np.concatenate([s[0] for s in steps]))
            np.testing.assert_array_equal(done, np.concatenate([s[1] for s in steps]))
            assert [g.env for g in finished] == [g.env for g in steps[0][2]] + [3 + g.env for g in steps[1][2]]
            ends += [g.env for g in finished]
        assert sorted(set(ends)) == [0, 1, 2, 3, 4]
    finally:
        workers.close()


def test_a_dead_rollout_worker_is_a_one_line_error():
    from arena_ppo.vec import WorkerVecEnv

    workers = WorkerVecEnv(SPREAD, 2, seed=0, workers=2)
    try:
        workers.workers.procs[1].kill()
        workers.workers.procs[1].join(10)
        with pytest.raises(ArenaError, match="ppo rollout worker 1 stopped"):
            workers.step(np.zeros((2, 3), np.int64))
    finally:
        workers.close()


def test_team_ppo_trains_with_rollout_workers(tmp_path):
    pytest.importorskip("arena_fivehero")
    result = train(Args(env_id="fivehero/3v3:shaped=true", steps=2 * 64 * 4, out=str(tmp_path), num_envs=4,
                        rollout=64, epochs=1, workers=2, random_fraction=0.5, eval_every=10**6, progress=False))
    assert result["iteration"] == 2 and result["step"] == 512 and np.isfinite(result["v_loss"])
    data = ckpt.load(tmp_path / "latest.pt")
    assert data["args"]["workers"] == 2 and data["global_step"] == 512
