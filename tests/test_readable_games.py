"""Games people can read: boards for every family, moves under the game's own names, and a
human at the terminal who sees the board and may run out of input."""

import json
import sys
from pathlib import Path

import chess
import pytest

from arena.api import make_agent, make_env
from arena.notation import frames, move_names
from arena.referee import play


def _random_game(env_id: str, seed: int = 3):
    env = make_env(env_id)
    return env, play(env, [make_agent("random", env) for _ in env.info.sides], seed)


@pytest.mark.parametrize("env_id", [
    "openspiel/tic_tac_toe", "openspiel/connect_four", "pettingzoo/classic/connect_four_v3",
    "pettingzoo/classic/tictactoe_v3", "pettingzoo/classic/chess_v6", "pettingzoo/classic/go_v5:board_size=5",
    "pettingzoo/classic/rps_v2", "pettingzoo/classic/leduc_holdem_v4", "fivehero/1v1",
])
def test_every_position_of_a_replay_renders_as_text(env_id):
    _, record = _random_game(env_id)
    shown = frames(record)
    assert len(shown) == record.plies + 1
    assert all(f.text.strip() for f in shown), [f.ply for f in shown if not f.text.strip()]


def test_pettingzoo_connect_four_board_matches_the_moves():
    _, record = _random_game("pettingzoo/classic/connect_four_v3")
    last = frames(record)[-1].text.splitlines()
    assert len(last) == 6 and all(len(row) == 7 for row in last)
    pieces = sum(row.count("X") + row.count("O") for row in last)
    assert pieces == record.plies


def test_openspiel_moves_are_named_as_openspiel_names_them():
    _, record = _random_game("openspiel/tic_tac_toe")
    names = move_names(record)
    assert names[0][0].startswith("x(") and names[1][0].startswith("o(")


def test_pettingzoo_chess_moves_are_legal_san_in_order():
    _, record = _random_game("pettingzoo/classic/chess_v6")
    board = chess.Board()
    for (name,) in move_names(record)[:40]:
        board.push_san(name)  # raises if the name is not a legal SAN move here


def test_fivehero_moves_have_action_names():
    _, record = _random_game("fivehero/1v1")
    names = {n for step in move_names(record) for n in step}
    assert names <= {"stay", "up", "right", "down", "left", "attack enemy 0", "attack base", "ability"}
    assert "stay" in names


def test_games_json_carries_move_names(arena_cli, tmp_path):
    db = str(tmp_path / "a.db")
    assert arena_cli("tournament", "openspiel/tic_tac_toe", "random", "minimax", "--games", "2", "--db", db,
                     "--quiet", "--concurrency", "1").returncode == 0
    games = json.loads(arena_cli("games", "--db", db, "--json").stdout)
    for game in games:
        assert len(game["move_names"]) == len(game["moves"])
        assert all(name[0][0] in "xo" for name in game["move_names"])


def test_replay_render_names_each_move(arena_cli, tmp_path):
    db = str(tmp_path / "a.db")
    # two agents (random and random: are one agent, refused): the example bot over the JSON-lines protocol
    bot = f"cmd:{sys.executable} {Path(__file__).resolve().parents[1] / 'examples' / 'agents' / 'random_bot.py'}"
    arena_cli("tournament", "pettingzoo/classic/connect_four_v3", "random", bot, "--games", "2",
              "--db", db, "--quiet", "--concurrency", "1")
    out = arena_cli("replay", "1", "--db", db, "--render")
    assert out.returncode == 0, out.stderr
    assert "-- move 1: seat 0 x" in out.stdout and "outcome matches" in out.stdout
    assert out.stdout.count("\n\n") == 0  # no blank boards


def test_human_sees_the_board_and_moves_by_name(arena_cli):
    result = arena_cli("play", "openspiel/tic_tac_toe", "human", "random",
                       input="x(1,1)\nX(0,0)\n0\n1\n2\n3\n5\n6\n7\n8\n")
    assert result.returncode == 0, result.stderr
    assert "...\n...\n..." in result.stdout  # the empty board before the first move
    assert "legal moves (name or number): x(0,0) (0)" in result.stdout
    assert "\n.x.\n" in result.stdout or "\n.x." in result.stdout  # x(1,1) was played by name


def test_human_at_end_of_input_abandons_the_game_cleanly(arena_cli):
    result = arena_cli("play", "openspiel/tic_tac_toe", "human", "random", input="4\n")
    assert result.returncode == 0
    assert "no more input" in result.stderr and "not stored" in result.stderr
    assert "crash" not in result.stdout + result.stderr and "Traceback" not in result.stderr


def _store_with_games(arena_cli, tmp_path):
    db = str(tmp_path / "g.db")
    assert arena_cli("tournament", "openspiel/tic_tac_toe", "random", "minimax", "mcts:sims=5,uct_c=1.4,rollouts=1",
                     "--games", "4", "--db", db, "--quiet", "--concurrency", "1").returncode == 0
    return db


def test_games_lists_one_line_per_game_with_limit_and_agent(arena_cli, tmp_path):
    db = _store_with_games(arena_cli, tmp_path)
    out = arena_cli("games", "--db", db, "--limit", "5").stdout.splitlines()
    assert [line.split()[0] for line in out[:5]] == ["12", "11", "10", "9", "8"]  # newest first
    assert out[5].startswith("5 of 12 games, newest first") and out[6].startswith("result: points")
    assert len(out) == 7
    mine = arena_cli("games", "--db", db, "--agent", "mcts:sims=5,uct_c=1.4,rollouts=1", "--limit", "0").stdout
    lines = [line for line in mine.splitlines() if line[:3].strip().isdigit()]
    assert len(lines) == 8 and all("mcts:sims=5,uct_c=1.4,rollouts=1" in line for line in lines)
    assert "8 of 8 games" in mine


def test_games_json_limit_keeps_id_order(arena_cli, tmp_path):
    db = _store_with_games(arena_cli, tmp_path)
    games = json.loads(arena_cli("games", "--db", db, "--json", "--limit", "3").stdout)
    assert [g["id"] for g in games] == [10, 11, 12]
    assert len(json.loads(arena_cli("games", "--db", db, "--json").stdout)) == 12


def test_games_bad_limit_is_one_line(arena_cli, tmp_path):
    result = arena_cli("games", "--db", _store_with_games(arena_cli, tmp_path), "--limit", "-2")
    assert result.returncode == 2 and "--limit must be 0" in result.stderr and "Traceback" not in result.stderr


def test_play_render_names_each_move(arena_cli):
    out = arena_cli("play", "openspiel/tic_tac_toe", "random", "minimax", "--render").stdout
    assert out.startswith("-- move 1: seat 0 x(") and "-- move 2: seat 1 o(" in out
