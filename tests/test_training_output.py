"""Training output people can read: named fields, no 'loss nan' before learning starts, and
one line per evaluation when the output goes to a log."""

import math
import re
import subprocess
import sys
import time

import pytest

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


@pytest.mark.parametrize("trainer", ["muzero", "ppo"])
def test_training_into_a_log_says_at_once_that_it_started_and_what_it_is_doing(trainer, tmp_path):
    """Off a terminal (`arena train ... > log`) a bar prints nothing until the end; the log gets
    a line as the run starts and one as its work starts, each with named fields."""
    out = tmp_path / "log"
    with open(out, "wb") as log:
        run = subprocess.Popen([sys.executable, "-m", "arena", "train", trainer, "openspiel/tic_tac_toe",
                                "--minutes", "10", "--out", str(tmp_path / "run"), "--db", str(tmp_path / "a.db")],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while ": self-play" not in out.read_text() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        run.kill()
        run.wait()
    lines = out.read_text().splitlines()
    title = f"{trainer} openspiel/tic_tac_toe"
    assert re.fullmatch(rf"\[0:\d\d:\d\d\] {title}: starting, budget 10 minutes, run folder .*run", lines[0]), lines
    work = [line for line in lines if ": self-play" in line]
    assert work and re.fullmatch(rf"\[0:\d\d:\d\d\] {title}: self-play.*, step [0-9,]+, .*games .*", work[0]), lines
    assert "nan" not in work[0]


def test_training_lines_come_at_most_every_30_s_unless_forced():
    from arena.progress import TrainingLines

    clock, written = [0.0], []
    lines = TrainingLines("t", enabled=True, write=written.append, now=lambda: clock[0])
    lines.start({"budget": "1 minutes"})
    for t, forced in ((1, False), (20, False), (31, False), (40, True), (50, False), (71, False)):
        clock[0] = t
        lines("work", {"step": t, "loss": None}, force=forced)
    assert written == ["[0:00:00] t: starting, budget 1 minutes", "[0:00:01] t: work, step 1",
                       "[0:00:31] t: work, step 31", "[0:00:40] t: work, step 40", "[0:01:11] t: work, step 71"]


def test_every_trainer_documents_one_meaning_of_steps(arena_cli):
    from arena.training import STEPS_HELP

    for trainer in ("muzero", "ppo"):
        result = arena_cli("train", trainer, "--help")
        assert result.returncode == 0, result.stderr
        assert " ".join(STEPS_HELP.split()[:6]) in " ".join(result.stdout.split())


def test_a_cpu_budget_counts_the_cpu_time_of_the_workers_a_trainer_declares(tmp_path):
    from arena.training import Budget, Options

    budget = Budget(Options("openspiel/kuhn_poker", tmp_path, cpu_minutes=1.0))
    own = budget.cpu_seconds()
    assert budget.fraction() < 0.5
    budget.count_cpu_of(lambda: 45.0)  # two rollout workers, 45 CPU-s between them
    budget.count_cpu_of(None)  # a trainer without workers declares nothing
    assert 45.0 + own <= budget.cpu_seconds() < 50.0 and budget.fraction() >= 0.75
