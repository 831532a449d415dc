"""PPO on turn-based two-player zero-sum games (magnetic mirror descent): GAE along a seat's
own decisions by hand, a tiny real Kuhn run whose exploitability falls and whose checkpoint
plays through the referee, PettingZoo classic, resume, and one-line refusals."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

import arena
from arena.cli import main as _main
from arena_ppo.turns import chain_gae


def main(argv):
    """The CLI in-process; a failure raises SystemExit with its code, success returns."""
    try:
        _main(argv)
    except SystemExit as exit_:
        if exit_.code:
            raise


KUHN = "openspiel/kuhn_poker"
UNIFORM_KUHN = 0.458333


def test_gae_along_one_seats_decisions_matches_a_hand_computed_example():
    # Three decisions; the game ends after the last, so nothing is bootstrapped past it.
    adv, ret = chain_gae(np.array([0.0, 1.0, 2.0]), np.array([0.5, 0.4, 0.3]), gamma=0.9, lam=0.8)
    # t=2: 2 - 0.3 = 1.7; t=1: 1 + 0.9*0.3 - 0.4 + 0.72*1.7 = 2.094; t=0: 0 + 0.36 - 0.5 + 0.72*2.094
    np.testing.assert_allclose(adv, [1.36768, 2.094, 1.7], atol=1e-5)
    np.testing.assert_allclose(ret, adv + [0.5, 0.4, 0.3], atol=1e-6)


def test_with_lambda_one_the_advantage_is_the_monte_carlo_return_minus_the_value():
    adv, ret = chain_gae(np.array([0.0, 0.0, -2.0]), np.array([0.1, -0.3, 0.7]), gamma=1.0, lam=1.0)
    np.testing.assert_allclose(ret, [-2.0, -2.0, -2.0], atol=1e-6)


@pytest.fixture(scope="module")
def kuhn_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("kuhn")
    main(["train", "ppo", KUHN, "--steps", "40000", "--out", str(out), "--seed", "3", "--no-progress",
          "--set", "eval_every=0", "--set", "eval_games=2",
          "--set", "eval_opponents=random,cfr:iterations=100", "--set", "exploitability_every=1"])
    return out, [json.loads(line) for line in open(out / "metrics.jsonl")]


def test_kuhn_exploitability_falls_well_below_uniform_random(kuhn_run):
    _, rows = kuhn_run
    measured = [r["exploitability"] for r in rows if r.get("exploitability") is not None]
    assert measured[0] > 0.3  # the first update starts from a near-uniform policy
    assert rows[-1]["final"] and rows[-1]["exploitability"] < 0.25 < UNIFORM_KUHN


def test_the_checkpoint_plays_and_measures_as_the_run_reported(kuhn_run, capsys):
    out, rows = kuhn_run
    env = arena.make_env(KUHN)
    agent = arena.make_agent(f"ppo:checkpoint={out}/latest.pt", env)
    record = arena.play(env, [agent, arena.make_agent("cfr:iterations=100", env)], seed=1)
    assert record.termination == "normal" and sum(record.scores) == 1
    main(["exploitability", f"ppo:checkpoint={out}/latest.pt", KUHN, "--json"])
    assert json.loads(capsys.readouterr().out)["exploitability"] == pytest.approx(rows[-1]["exploitability"])


def test_best_pt_keeps_the_lowest_exploitability_measured_and_measures_as_recorded(kuhn_run, capsys):
    out, rows = kuhn_run
    measured = [r["exploitability"] for r in rows if r.get("exploitability") is not None]
    best = torch.load(out / "best.pt", weights_only=True)
    assert best["exploitability"] == min(measured) < measured[0]
    main(["exploitability", f"ppo:checkpoint={out}/best.pt", KUHN, "--json"])
    assert json.loads(capsys.readouterr().out)["exploitability"] == pytest.approx(min(measured))


def test_the_run_folder_follows_the_kit(kuhn_run):
    out, rows = kuhn_run
    data = torch.load(out / "latest.pt", weights_only=True)
    assert data["trainer"] == "ppo" and data["global_step"] >= 40000 and "magnet" in data and "optimizer" in data
    assert {"iteration", "step", "elapsed", "cpu", "sps", "pg_loss", "magnet_kl", "clipfrac"} <= set(rows[0])
    evaluated = [r for r in rows if "eval_random_score" in r]
    assert evaluated and "eval_cfr:iterations=100_score" in evaluated[0]
    from arena.store import Store

    store = Store(out / "arena.db")
    games = store.games(env=KUHN)
    assert len(games) == 2 * 2 * len(evaluated)
    assert all(g.tournament == f"train:{out}" for g in games)
    assert any(p.startswith(f"ppo:checkpoint={out}/iter_") for g in games for p in g.record.players)
    store.close()


def test_resume_continues_the_step_count(kuhn_run, tmp_path):
    out, _ = kuhn_run
    (tmp_path / "latest.pt").write_bytes((out / "latest.pt").read_bytes())
    main(["train", "ppo", KUHN, "--steps", "45000", "--out", str(tmp_path), "--resume", "--no-progress",
          "--set", "eval_games=0"])
    rows = [json.loads(line) for line in open(tmp_path / "metrics.jsonl")]
    assert rows[0]["step"] > 40000 and rows[-1]["step"] >= 45000


def test_pettingzoo_classic_trains_with_a_pool_of_past_selves(tmp_path):
    env_id = "pettingzoo/classic/tictactoe_v3"
    main(["train", "ppo", env_id, "--steps", "3000", "--out", str(tmp_path), "--no-progress",
          "--set", "num_envs=16", "--set", "batch=256", "--set", "pool_fraction=0.5",
          "--set", "snapshot_every=2", "--set", "eval_games=0"])
    rows = [json.loads(line) for line in open(tmp_path / "metrics.jsonl")]
    assert rows[-1]["pool"] >= 2 and any(r["score_vs_pool"] is not None for r in rows)
    assert "exploitability" not in rows[-1]  # too large to enumerate: not measured
    env = arena.make_env(env_id)
    agent = arena.make_agent(f"ppo:checkpoint={tmp_path}/latest.pt", env)
    assert arena.play(env, [agent, arena.make_agent("random", env)], seed=0).termination == "normal"


@pytest.mark.parametrize("env_id, message", [
    ("openspiel/kuhn_poker:players=3", "needs a two-player zero-sum game; openspiel/kuhn_poker:players=3 has 3 players"),
    ("openspiel/bargaining", "openspiel/bargaining is general-sum"),
])
def test_games_it_cannot_train_are_refused_in_one_line_and_nothing_is_written(env_id, message, tmp_path):
    out = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "arena", "train", "ppo", env_id, "--steps", "10",
                             "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 2 and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.slow
def test_kuhn_reaches_exploitability_001_within_ten_cpu_minutes(tmp_path):
    main(["train", "ppo", KUHN, "--cpu-minutes", "10", "--out", str(tmp_path), "--no-progress",
          "--set", "eval_games=0"])
    rows = [json.loads(line) for line in open(tmp_path / "metrics.jsonl")]
    assert rows[-1]["exploitability"] <= 0.01, rows[-1]


def test_returns_are_scaled_by_the_games_largest_stake():
    from arena_ppo.turns import max_utility

    assert max_utility(arena.make_env(KUHN)) == 2.0
    assert max_utility(arena.make_env("openspiel/leduc_poker")) == 13.0
    assert max_utility(arena.make_env("pettingzoo/classic/tictactoe_v3")) == 1.0  # declares none


def test_the_all_actions_variant_with_soft_returns_trains_and_its_checkpoint_plays(tmp_path, capsys):
    main(["train", "ppo", KUHN, "--steps", "30000", "--out", str(tmp_path), "--seed", "1", "--no-progress",
          "--set", "eval_games=0", "--set", "all_actions=true", "--set", "soft_returns=true",
          "--set", "magnet_every=5", "--set", "magnet_rate=1", "--set", "exploitability_every=1"])
    rows = [json.loads(line) for line in open(tmp_path / "metrics.jsonl")]
    assert rows[-1]["exploitability"] < 0.25 < UNIFORM_KUHN
    assert torch.load(tmp_path / "latest.pt", weights_only=True)["critic_outputs"] == 2  # Q per action
    capsys.readouterr()
    main(["exploitability", f"ppo:checkpoint={tmp_path}/latest.pt", KUHN, "--json"])
    assert json.loads(capsys.readouterr().out)["exploitability"] == pytest.approx(rows[-1]["exploitability"])


def test_the_geometric_magnet_schedule_spends_equal_time_per_halving_and_linear_stays_the_default():
    from arena_ppo.turns import TurnArgs, magnet_coef_at

    geometric = TurnArgs(magnet_coef=0.16, magnet_coef_final=0.01, magnet_schedule="geometric")
    assert [magnet_coef_at(geometric, f) for f in (0.0, 0.25, 0.5, 1.0)] == pytest.approx([0.16, 0.08, 0.04, 0.01])
    linear = TurnArgs(magnet_coef=0.3, magnet_coef_final=0.02)
    assert magnet_coef_at(linear, 0.5) == pytest.approx(0.16)
    assert magnet_coef_at(TurnArgs(magnet_coef=0.1), 0.7) == pytest.approx(0.1)  # no final: constant


def test_a_magnet_schedule_it_cannot_follow_is_refused_in_one_line_before_anything_is_written(tmp_path):
    out = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "arena", "train", "ppo", KUHN, "--steps", "10", "--out", str(out),
                             "--set", "magnet_schedule=geometric", "--set", "magnet_coef_final=0"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "magnet_schedule must be linear, or geometric" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not out.exists()


def test_games_split_over_worker_processes_are_the_games_of_one_process():
    from arena_ppo.turns import TurnEnvs, WorkerTurnEnvs

    env_id = "openspiel/leduc_poker"  # chance nodes: the deals come from each game's own seeds
    alone, split = TurnEnvs(env_id, range(5), seed=3), WorkerTurnEnvs(env_id, 5, seed=3, workers=2)
    try:
        rng, ends = np.random.default_rng(0), 0
        for _ in range(40):
            want, got = alone.observe(True), split.observe(True)
            for a, b in zip(want, got):
                np.testing.assert_array_equal(a, b)
            legal = want[2]
            actions = np.array([rng.choice(np.flatnonzero(row)) for row in legal])
            (r1, over1), (r2, over2) = alone.step(actions), split.step(actions)
            np.testing.assert_array_equal(r1, r2)
            np.testing.assert_array_equal(over1, over2)
            ends += int(over1.sum())
        assert ends > 5 and split.workers.cpu_seconds() > 0
    finally:
        alone.close()
        split.close()


def test_with_two_workers_a_run_learns_exactly_what_one_process_learns(tmp_path):
    rows = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        main(["train", "ppo", "openspiel/leduc_poker", "--steps", "6000", "--out", str(out), "--seed", "2",
              "--workers", str(workers), "--no-progress", "--set", "num_envs=32", "--set", "batch=1024",
              "--set", "eval_games=0", "--set", "exploitability_every=1e9"])
        rows[workers] = [json.loads(line) for line in open(out / "metrics.jsonl")]
    assert len(rows[1]) == len(rows[2]) >= 4
    for one, two in zip(rows[1][:-1], rows[2][:-1]):
        assert [one[k] for k in ("step", "pg_loss", "v_loss", "entropy")] == \
            [two[k] for k in ("step", "pg_loss", "v_loss", "entropy")]
    assert rows[1][-1]["exploitability"] == rows[2][-1]["exploitability"] < 2.0  # uniform: 2.37


def test_a_split_that_leaves_a_worker_without_games_is_refused_in_one_line(tmp_path):
    out = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "arena", "train", "ppo", KUHN, "--steps", "10", "--out", str(out),
                             "--workers", "9", "--set", "num_envs=8"], capture_output=True, text=True)
    assert result.returncode == 2 and "--workers must be from 2 to num_envs (8)" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not out.exists()


def test_fixed_opponents_play_their_own_seat_so_the_trainer_only_sees_the_learner_to_move():
    from arena_ppo.turns import TurnEnvs

    envs = TurnEnvs("openspiel/tic_tac_toe", range(6), seed=1, opponents=["random", "mcts:sims=5"], fraction=1.0)
    try:
        rng, ends, seen = np.random.default_rng(0), 0, set()
        for _ in range(30):
            seats, _, legal, _, versus = envs.observe(False)
            assert (versus[:, 0] >= 0).all() and (seats != versus[:, 1]).all()  # never the fixed agent's move
            seen |= {tuple(v) for v in versus}
            _, over = envs.step(np.array([rng.choice(np.flatnonzero(row)) for row in legal]))
            ends += int(over.sum())
        assert ends > 6 and {spec for spec, _ in seen} == {0, 1} and {seat for _, seat in seen} == {0, 1}
    finally:
        envs.close()


def test_a_share_of_games_against_fixed_opponents_is_scored_apart(tmp_path):
    out = tmp_path / "run"
    main(["train", "ppo", KUHN, "--steps", "3000", "--out", str(out), "--no-progress",
          "--set", "num_envs=16", "--set", "batch=512", "--set", "eval_games=0",
          "--set", "opponents=random", "--set", "opponent_fraction=0.5"])
    rows = [json.loads(line) for line in open(out / "metrics.jsonl")]
    assert all(0.0 <= r["score_vs_random"] <= 1.0 for r in rows if not r.get("final"))


@pytest.mark.parametrize("sets, message", [
    (["opponent_fraction=0.3"], "opponent_fraction must be from 0 to 1, with opponents=SPEC"),
    (["opponents=random", "opponent_fraction=2"], "opponent_fraction must be from 0 to 1"),
    (["opponents=nosuchagent", "opponent_fraction=0.3"], "nosuchagent"),
    (["average_rate=0", "average_rate_final=0.001"], "average_rate and average_rate_final must be in (0, 1]"),
    (["conv_channels=8"], "conv_channels needs board-shaped observations"),
    (["batch_final=0"], "batch and batch_final must be at least 1"),
    (["final_at=0"], "final_at must be in (0, 1]"),
    (["average_rate=0.01", "average_by=logits"], "average_by must be parameters or distillation"),
])
def test_bad_opponents_schedules_or_network_are_refused_in_one_line_before_anything_is_written(tmp_path, sets, message):
    out = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "arena", "train", "ppo", KUHN, "--steps", "10", "--out", str(out),
                             *[a for s in sets for a in ("--set", s)]], capture_output=True, text=True)
    assert result.returncode == 2 and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("magnet_rate, measured", [("0.01", True), ("0", False)])
def test_the_magnet_is_measured_only_when_it_moves(tmp_path, magnet_rate, measured):
    out = tmp_path / "run"
    main(["train", "ppo", KUHN, "--steps", "2000", "--out", str(out), "--no-progress", "--set", "eval_games=0",
          "--set", "exploitability_every=0", "--set", "batch=512", "--set", f"magnet_rate={magnet_rate}"])
    rows = [json.loads(line) for line in open(out / "metrics.jsonl") if '"final"' not in line]
    assert rows and all(("magnet_exploitability" in r) == measured and "exploitability" in r for r in rows)


def test_with_averaging_the_checkpoint_plays_the_average_and_a_resume_keeps_the_iterate(tmp_path, capsys):
    out = tmp_path / "avg"
    common = ["--out", str(out), "--seed", "4", "--no-progress", "--set", "eval_games=0",
              "--set", "exploitability_every=0", "--set", "average_rate=0.2", "--set", "batch=1024"]
    main(["train", "ppo", KUHN, "--steps", "8000", *common])
    rows = [json.loads(line) for line in open(out / "metrics.jsonl")]
    assert all("iterate_exploitability" in r for r in rows if not r.get("final"))
    assert rows[-2]["exploitability"] != rows[-2]["iterate_exploitability"]  # two different networks
    data = torch.load(out / "latest.pt", weights_only=True)
    assert not torch.equal(data["model"]["actor.0.weight"], data["iterate"]["actor.0.weight"])
    capsys.readouterr()
    main(["exploitability", f"ppo:checkpoint={out}/latest.pt", KUHN, "--json"])
    assert json.loads(capsys.readouterr().out)["exploitability"] == pytest.approx(rows[-1]["exploitability"])
    best_before = torch.load(out / "best.pt", weights_only=True)["exploitability"]
    main(["train", "ppo", KUHN, "--steps", "12000", "--resume", *common])
    resumed = torch.load(out / "latest.pt", weights_only=True)
    assert resumed["global_step"] > data["global_step"]
    rows = [json.loads(line) for line in open(out / "metrics.jsonl")]
    assert torch.load(out / "best.pt", weights_only=True)["exploitability"] == min(
        r["exploitability"] for r in rows if r.get("exploitability") is not None) <= best_before  # kept over resume
    assert not torch.equal(resumed["iterate"]["actor.0.weight"], data["iterate"]["actor.0.weight"])


def test_the_distilled_average_plays_the_average_of_the_policies_in_its_window():
    from arena_ppo.averaging import DistilledAverage
    from arena_ppo.model import TeamPolicy

    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = TeamPolicy(4, 2, 2, hidden=16)
    obs, seat, mask = torch.eye(4), torch.tensor([0, 1, 0, 1]), torch.ones(4, 2, dtype=torch.bool)
    sure = {0: torch.tensor([1.0, 0.0]), 1: torch.tensor([0.0, 1.0])}  # the iterate flips between two pure policies
    average = DistilledAverage(model, 4, capacity=100, rows=4, lr=3e-3, steps=4, minibatch=64,
                               rng=np.random.default_rng(0))
    for update in range(300):
        average.add(model, obs, seat, mask, sure[update % 2].expand(4, 2))
        average.fit(window=50)
    probs = torch.softmax(average.net.logits(obs, seat, mask), -1).detach().numpy()
    assert probs == pytest.approx(np.full((4, 2), 0.5), abs=0.05)  # the average of the two, not either
    for _ in range(200):  # the window moves on: only the last 50 updates count
        average.add(model, obs, seat, mask, sure[1].expand(4, 2))
        average.fit(window=50)
    assert torch.softmax(average.net.logits(obs, seat, mask), -1)[:, 1].min() > 0.95


def test_a_run_can_play_the_distilled_average(tmp_path, capsys):
    out = tmp_path / "distilled"
    main(["train", "ppo", KUHN, "--steps", "6000", "--out", str(out), "--no-progress", "--set", "eval_games=0",
          "--set", "exploitability_every=0", "--set", "batch=1024", "--set", "average_rate=0.1",
          "--set", "average_by=distillation", "--set", "distill_lr_final=1e-5"])
    rows = [json.loads(line) for line in open(out / "metrics.jsonl")]
    assert all(r["distill_kl"] >= 0 and "iterate_exploitability" in r for r in rows if not r.get("final"))
    lr = torch.load(out / "latest.pt", weights_only=True)["average_optimizer"]["param_groups"][0]["lr"]
    assert 1e-5 < lr < 1.5e-4  # annealed from distill_lr (3e-4) over the budget
    capsys.readouterr()
    main(["exploitability", f"ppo:checkpoint={out}/latest.pt", KUHN, "--json"])
    assert json.loads(capsys.readouterr().out)["exploitability"] == pytest.approx(rows[-1]["exploitability"])


def test_the_average_rate_falls_geometrically_to_its_final_value():
    from arena_ppo.turns import TurnArgs, average_rate_at

    scheduled = TurnArgs(average_rate=0.004, average_rate_final=0.001)
    assert [average_rate_at(scheduled, f) for f in (0.0, 0.5, 1.0)] == pytest.approx([0.004, 0.002, 0.001])
    assert average_rate_at(TurnArgs(average_rate=0.005), 0.8) == 0.005  # no final: constant
    assert average_rate_at(TurnArgs(), 0.3) == 0.0  # off


def test_a_growing_batch_is_scheduled_geometrically_and_each_update_takes_what_is_due(tmp_path):
    from arena_ppo.turns import TurnArgs, batch_at

    assert [batch_at(TurnArgs(batch=1000, batch_final=4000), f) for f in (0.0, 0.5, 1.0)] == [1000, 2000, 4000]
    assert batch_at(TurnArgs(batch=1000), 0.7) == 1000  # no final: constant
    main(["train", "ppo", KUHN, "--steps", "6000", "--out", str(tmp_path), "--no-progress", "--set", "num_envs=16",
          "--set", "batch=256", "--set", "batch_final=1024", "--set", "eval_games=0"])
    rows = [json.loads(line) for line in open(tmp_path / "metrics.jsonl")]
    batches = [r["batch"] for r in rows if not r.get("final")]
    assert batches[0] < 300 and batches[-1] > 700


def test_final_at_ends_the_schedules_early_and_holds_them_while_the_learning_rate_anneals_on(tmp_path):
    from arena_ppo.turns import TurnArgs, schedule_at

    assert [schedule_at(TurnArgs(final_at=0.8), f) for f in (0.0, 0.4, 0.8, 1.0)] == pytest.approx([0, 0.5, 1, 1])
    main(["train", "ppo", KUHN, "--steps", "6000", "--out", str(tmp_path), "--no-progress", "--set", "num_envs=16",
          "--set", "batch=256", "--set", "magnet_coef=0.2", "--set", "magnet_coef_final=0.05",
          "--set", "final_at=0.5", "--set", "eval_games=0"])
    rows = [json.loads(line) for line in open(tmp_path / "metrics.jsonl") if '"final"' not in line]
    held = [r for before, r in zip(rows, rows[1:]) if before["step"] >= 3000]  # began past half the budget
    assert rows[0]["magnet_coef"] > 0.15 and held and all(r["magnet_coef"] == pytest.approx(0.05) for r in held)
    assert held[0]["lr"] > held[-1]["lr"] > 0


@pytest.mark.parametrize("env_id", ["openspiel/connect_four", "pettingzoo/classic/connect_four_v3"])
def test_a_convolutional_policy_trains_on_either_board_layout_and_its_checkpoint_plays(tmp_path, env_id):
    """OpenSpiel's board is (channels, rows, columns); PettingZoo's (rows, columns, channels)."""
    main(["train", "ppo", env_id, "--steps", "1500", "--out", str(tmp_path), "--no-progress",
          "--set", "num_envs=8", "--set", "batch=256", "--set", "eval_games=0", "--set", "conv_channels=4"])
    data = torch.load(tmp_path / "latest.pt", weights_only=True)
    assert data["channels"] == 4 and len(data["board"]) == 3 and "actor.torso.0.weight" in data["model"]
    env = arena.make_env(env_id)
    agent = arena.make_agent(f"ppo:checkpoint={tmp_path}/latest.pt", env)
    assert arena.play(env, [agent, arena.make_agent("random", env)], seed=0).termination == "normal"


def test_a_channels_last_board_is_read_as_the_same_board_channels_first():
    from arena_ppo.model import BoardNet

    torch.manual_seed(0)
    first, last = BoardNet((2, 6, 7), 2, 4, 16, 7, 1.0), BoardNet((6, 7, 2), 2, 4, 16, 7, 1.0)
    last.load_state_dict(first.state_dict())
    board, seat = torch.rand(5, 2, 6, 7), torch.rand(5, 2)
    from_first = first(torch.cat([board.flatten(1), seat], -1))
    from_last = last(torch.cat([board.permute(0, 2, 3, 1).flatten(1), seat], -1))
    assert torch.allclose(from_first, from_last, atol=1e-6)
