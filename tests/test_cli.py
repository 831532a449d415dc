"""The core command line, through a real subprocess: listings, play, one-line errors."""

import functools
import json

import pytest


def test_envs_json(arena_cli):
    result = arena_cli("envs", "--json")
    assert result.returncode == 0
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert rows["openspiel/connect_four"]["forward_model"] is True
    assert {"id", "kind", "players", "teams", "forward_model", "plugin"} <= set(rows["mpe2/simple_spread_v3"])


def test_agents_for_a_game(arena_cli):
    result = arena_cli("agents", "--game", "pettingzoo/classic/tictactoe_v3", "--json")
    names = {r["name"] for r in json.loads(result.stdout)}
    assert "random" in names and "mcts" not in names  # no forward model in PettingZoo


def test_play_json_record(arena_cli):
    result = arena_cli("play", "openspiel/tic_tac_toe", "minimax", "random", "--seed", "4", "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["players"] == ["minimax", "random"] and record["scores"][0] >= 0.5
    again = json.loads(arena_cli("play", "openspiel/tic_tac_toe", "minimax", "random",
                                 "--seed", "4", "--json").stdout)
    assert again["moves"] == record["moves"]


def test_play_render(arena_cli):
    result = arena_cli("play", "openspiel/tic_tac_toe", "random", "random", "--render")
    assert result.returncode == 0 and "x" in result.stdout and "termination: normal" in result.stdout


def test_human_agent_plays_through_the_terminal(arena_cli):
    # Tic-tac-toe cells 0..8; the human answers with ids (and one illegal try first).
    moves = "\n".join(["42", "0", "1", "2", "3", "4", "5", "6", "7", "8"]) + "\n"
    result = arena_cli("play", "openspiel/tic_tac_toe", "human", "random", input=moves)
    assert result.returncode == 0, result.stderr
    assert "is not legal here" in result.stdout and "termination: normal" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["play", "openspiel/nope", "random", "random"], "unknown env"),
    (["play", "openspiel/tic_tac_toe", "randomm", "random"], "did you mean random"),
    (["play", "openspiel/tic_tac_toe", "mcts:sims=-", "random"], "must be int"),
    (["play", "openspiel/tic_tac_toe", "random"], "needs 2 agents"),
    (["play", "pettingzoo/classic/tictactoe_v3", "minimax", "random"], "needs a forward model"),
    (["agents", "--game", "bad id"], "malformed env id"),
    (["train", "nosuchtrainer"], "unknown trainer"),
])
def test_bad_input_is_one_line_exit_2(arena_cli, args, message):
    result = arena_cli(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.strip().count("\n") == 0


@functools.cache
def _piped(*args: str, columns: str | None = None) -> str:
    """stdout of the real command in a pipe, with COLUMNS unset (rich then assumes 80) or given."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    if columns:
        env["COLUMNS"] = columns
    done = subprocess.run([sys.executable, "-m", "arena", *args], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("args, key", [(["envs"], "id"), (["envs", "--all"], "id"), (["agents"], "name"),
                                       (["plugins"], "name")])
def test_listings_fit_a_pipe_with_every_name_whole_on_one_line(args, key):
    text = _piped(*args)
    rows = json.loads(_piped(*args, "--json"))
    lines = text.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    starts = [line.split()[0] for line in lines if line.strip()]
    for row in rows:  # each row starts a line with its name, uncut; no two rows share one
        assert starts.count(row[key]) == 1, row[key]
    tokens = set(text.replace(",", " ").replace(";", " ").split())
    prose = {"envs": [], "agents": ["plays", "description"], "plugins": []}[args[0]]
    for row in rows:  # wrapped columns break between words, never inside one
        for word in " ".join(row[c] for c in prose).replace(",", " ").replace(";", " ").split():
            assert word in tokens, (row[key], word)
    if args[0] == "plugins":
        for row in rows:
            for names in row["registered"].values():
                assert all(n in tokens for n in names)


def test_a_listing_narrower_than_its_names_runs_wide_rather_than_cutting_them():
    text = _piped("envs", columns="50")
    ids = [r["id"] for r in json.loads(_piped("envs", "--json"))]
    starts = [line.split()[0] for line in text.splitlines() if line.strip()]
    assert all(starts.count(i) == 1 for i in ids)
