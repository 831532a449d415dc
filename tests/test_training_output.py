"""Training output people can read: named fields, no 'loss nan' before learning starts, and
one line per evaluation when the output goes to a log."""

import math

from arena_muzero.train import describe_evaluation, describe_losses
from arena_ppo.train import describe


def test_muzero_evaluation_fields_are_named():
    evaluation = {"random_seat0": {"win": 0.98}, "random_seat1": {"win": 0.77},
                  "mcts:sims=100_seat0": {"win": 0.5, "draw": 0.2}, "mcts:sims=100_seat1": {"win": 0.4, "draw": 0.2},
                  "exhaustive_search": {0: 4, 1: 55}, "exhaustive_raw": {0: 7, 1: 98},
                  "positions": {"policy_optimal": 0.771}, "store": {"vs": "minimax", "score": 0.1, "stored": True}}
    assert describe_evaluation(evaluation) == (
        "random win 0.98/0.77 · mcts:sims=100 score 0.55 · lost lines 4+55 (raw net 7+98) · "
        "raw best move 77.1% · vs minimax 0.10 (stored)")


def test_muzero_says_it_is_filling_the_replay_instead_of_loss_nan():
    waiting = describe_losses({"loss": math.nan, "policy": math.nan, "value": math.nan, "reward": math.nan}, 37, 256)
    assert waiting == "filling replay 37/256 positions before learning" and "nan" not in waiting
    assert describe_losses({"loss": 1.5, "policy": 1.0, "value": 0.4, "reward": 0.1}, 300, 256) == \
        "loss 1.500 (policy 1.000, value 0.400, reward 0.100)"


def test_ppo_line_names_every_field():
    line = describe("ppo fivehero/1v1", {"iteration": 7, "step": 1792, "sps": 2213, "elapsed": 2.4,
                                         "episode_return": 0.0, "pg_loss": -0.005, "v_loss": 0.2, "entropy": 1.4,
                                         "approx_kl": 0.001, "clipfrac": 0.0, "score_vs_latest": 0.5,
                                         "eval_random_score": 0.5})
    assert line == ("[00:00:02] ppo fivehero/1v1: iteration 7, step 1,792 (2,213 steps/s), episode return 0.000, "
                    "policy loss -0.005, value loss 0.200, entropy 1.400, approx KL 0.001, clip fraction 0.000, "
                    "score vs latest 0.500 | evaluation: vs random 0.50")


def test_muzero_writes_a_line_per_evaluation_into_a_log(arena_cli, tmp_path):
    result = arena_cli("train", "muzero", "openspiel/tic_tac_toe", "--steps", "3072", "--out", str(tmp_path / "run"),
                       "--db", str(tmp_path / "a.db"), "--eval-games", "2", timeout=300)
    assert result.returncode == 0, result.stderr
    log = result.stdout + result.stderr
    assert "muzero openspiel/tic_tac_toe: step 3,072 (" in log and "gradient steps), games" in log
    assert "random win" in log
    assert "loss nan" not in log


def test_every_trainer_documents_one_meaning_of_steps(arena_cli):
    from arena.training import STEPS_HELP

    for trainer in ("muzero", "ppo"):
        result = arena_cli("train", trainer, "--help")
        assert result.returncode == 0, result.stderr
        assert " ".join(STEPS_HELP.split()[:6]) in " ".join(result.stdout.split())
