"""The tournament commands end to end: `arena.cli.main` in-process for speed (exit codes and
stderr as a user sees them), plus one real subprocess."""

import json
import re
import sqlite3

import pytest

TTT = "openspiel/tic_tac_toe"


def assert_one_line_error(code, err, *words):
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture
def played(tmp_path, arena_main):
    """A small finished tournament in a fresh database."""
    db = str(tmp_path / "games.db")
    code, out, err = arena_main("tournament", TTT, "random", "minimax", "mcts:sims=20", "--games", "2",
                           "--concurrency", "1", "--quiet", "--db", db, "--name", "small")
    assert code == 0, err
    assert "6 games (6 played now)" in out and "Crosstable" in out
    return db


def test_games_replay_and_leaderboard_formats(played, tmp_path, arena_main):
    code, out, _ = arena_main("games", "--db", played, "--json")
    games = json.loads(out)
    assert code == 0 and len(games) == 6 and {g["tournament"] for g in games} == {"small"}
    for game in games[:2]:
        code, out, err = arena_main("replay", str(game["id"]), "--db", played)
        assert code == 0 and "outcome matches" in out, err
    code, out, _ = arena_main("replay", str(games[0]["id"]), "--db", played, "--render")
    assert out.count("-- move") == len(games[0]["moves"])

    code, out, _ = arena_main("leaderboard", TTT, "--db", played, "--json")
    rows = json.loads(out)
    assert code == 0 and {r["agent"] for r in rows} == {"random", "minimax", "mcts:sims=20"}
    assert {"rank", "agent", "rating", "ci_low", "ci_high", "games", "wins", "draws", "losses", "score"} <= set(rows[0])
    assert next(r for r in rows if r["agent"] == "random")["rating"] == 0  # anchored by default
    code, out, _ = arena_main("leaderboard", TTT, "--db", played, "--anchor", "minimax=1000", "--csv")
    assert out.splitlines()[0].startswith("rank,agent,rating") and ",minimax,1000.0," in out
    code, out, _ = arena_main("leaderboard", TTT, "--db", played, "--method", "elo", "--markdown")
    assert "## Crosstable" in out
    code, out, _ = arena_main("leaderboard", TTT, "--db", played, "--nash", "--markdown")
    weights = {line.split("|")[1].strip(): float(line.split("|")[2])
               for line in out.split("## Nash averaging")[1].splitlines() if line.startswith("| ") and "weight" not in line}
    assert set(weights) == {"random", "minimax", "mcts:sims=20"} and sum(weights.values()) == pytest.approx(1)
    assert weights["random"] == pytest.approx(0, abs=1e-6)  # random is no part of any equilibrium here
    page = tmp_path / "board.html"
    code, out, _ = arena_main("leaderboard", TTT, "--db", played, "--tournament", "small", "--html", str(page))
    assert code == 0 and "<svg" in page.read_text() and "http" not in page.read_text().replace(
        "http://www.w3.org/2000/svg", "")


def test_match_stops_at_an_sprt_bound(tmp_path, arena_main):
    db = str(tmp_path / "m.db")
    args = ["match", "minimax", "random", TTT, "--sprt", "elo0=0,elo1=50,alpha=0.05,beta=0.05",
            "--max-games", "200", "--concurrency", "1", "--quiet", "--db", db]
    code, out, err = arena_main(*args)
    assert code == 0, err
    assert "passed: H1 accepted" in out and "Score of minimax vs random: " in out and "Ptnml(0-2)" in out
    games = int(out.split(" games (")[0].rsplit(" ", 1)[1])
    assert 2 <= games < 200
    code, again, _ = arena_main(*args)  # a rerun resumes from the stored pairs: nothing to play
    assert "(0 played now)" in again and f"{games} games" in again


def test_rerun_with_other_agents_under_one_name_changes_nothing(played, arena_main):
    before = sqlite3.connect(played).execute("SELECT count(*) FROM games").fetchone()[0]
    code, _, err = arena_main("tournament", TTT, "random", "minimax", "--games", "2", "--quiet",
                         "--concurrency", "1", "--db", played, "--name", "small")
    assert_one_line_error(code, err, "already exists", "--name")
    assert sqlite3.connect(played).execute("SELECT count(*) FROM games").fetchone()[0] == before


@pytest.mark.parametrize("args, words", [
    (["tournament", "openspiel/no_such_game", "random", "minimax"], ["unknown env"]),
    (["tournament", TTT, "random", "minimaks"], ["unknown agent", "minimax"]),
    (["tournament", TTT, "random", "minimax", "--games", "3"], ["--games", "even"]),
    (["tournament", TTT, "random", "mcts:sims=0"], ["mcts", "at least 1"]),
    (["tournament", TTT, "random", "mcts:speed=3"], ["no parameter 'speed'"]),
    (["tournament", TTT, "random", "minimax", "--format", "swiss", "--rounds", "0"], ["--rounds"]),
    (["tournament", TTT, "random", "minimax", "--concurrency", "0"], ["--concurrency"]),
    (["leaderboard", TTT, "--anchor", "minimax"], ["--anchor"]),
    (["match", "minimax", "random", TTT, "--sprt", "elo0=0,elo2=5"], ["--sprt"]),
    (["match", "minimax", "random", TTT, "--max-games", "7"], ["--max-games"]),
])
def test_bad_input_is_one_line_and_exit_2(args, words, tmp_path, arena_main):
    db = tmp_path / "fresh.db"
    if args[0] == "leaderboard":
        db = tmp_path / "missing.db"
        code, _, err = arena_main(*args, "--db", str(db))
        assert_one_line_error(code, err, "no database")
        return
    code, _, err = arena_main(*args, "--quiet", "--db", str(db))
    assert_one_line_error(code, err, *words)
    if db.exists():  # a failed start stores no games
        assert sqlite3.connect(db).execute("SELECT count(*) FROM games").fetchone()[0] == 0


def test_bad_database_files_are_left_untouched(tmp_path, arena_main):
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"\x00garbage" * 500)
    for cmd in (["tournament", TTT, "random", "minimax", "--quiet"], ["leaderboard", TTT], ["games"]):
        code, _, err = arena_main(*cmd, "--db", str(corrupt))
        assert_one_line_error(code, err, str(corrupt))
    assert corrupt.read_bytes() == b"\x00garbage" * 500
    code, _, err = arena_main("tournament", TTT, "random", "minimax", "--db", str(tmp_path / "nope" / "a.db"))
    assert_one_line_error(code, err, "does not exist")


def test_the_real_command_line(tmp_path, arena_cli):
    result = arena_cli("tournament", TTT, "random", "minimax", "--games", "2", "--concurrency", "2", "--quiet",
                       env={"ARENA_DB": str(tmp_path / "env.db")})
    assert result.returncode == 0, result.stderr
    assert "2 games (2 played now)" in result.stdout and (tmp_path / "env.db").exists()
    bad = arena_cli("leaderboard", TTT, "--db", str(tmp_path / "missing.db"))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_an_anchor_outside_the_field_is_one_line_and_writes_nothing(played, tmp_path, arena_main):
    page = tmp_path / "board.html"
    code, out, err = arena_main("leaderboard", TTT, "--db", played, "--anchor", "nobody=0", "--html", str(page))
    assert_one_line_error(code, err, "nobody", "not in the field", "minimax", "random")
    assert not page.exists() and out == ""


def test_a_perfect_score_in_a_real_tournament_has_an_open_interval(played, arena_main):
    # minimax never loses at tic-tac-toe: random cannot score against it, so nothing bounds
    # minimax's rating above random's and the board says so instead of printing [x, x]
    code, out, err = arena_main("leaderboard", TTT, "--db", played, "--markdown")
    assert code == 0, err
    assert "rank: 1 + number of agents clearly stronger" in out
    assert "2 games per pairing · round-robin · opening plies 0 · seed" in out  # the board states its settings
    rows = [line for line in out.splitlines() if line.startswith("| ") and "minimax" in line]
    interval = rows[0].split(" | ")[3]
    low, high = interval.strip("[]()").split(", ")
    assert high == "+inf" or float(low) < float(high)


def test_equivalent_specs_are_one_row_under_their_display_name(tmp_path, arena_main):
    # minimax and minimax:exact_up_to=12 are the same player on tic-tac-toe (defaults filled
    # in); mcts gets a display name on the command line, and the JSON keeps its full spec
    db = str(tmp_path / "games.db")
    for agents in (["random", "minimax", "mc=mcts:sims=20"], ["random", "minimax:exact_up_to=12"]):
        code, out, err = arena_main("tournament", TTT, *agents, "--games", "2", "--concurrency", "1",
                               "--quiet", "--db", db, "--seed", "3")
        assert code == 0, err
    code, out, err = arena_main("leaderboard", TTT, "--db", db, "--json")
    rows = {r["agent"]: r for r in json.loads(out)}
    assert code == 0 and set(rows) == {"random", "minimax", "mc"}, rows.keys()
    assert rows["minimax"]["games"] == 6 and rows["mc"]["spec"].startswith("mcts:") and "sims=20" in rows["mc"]["spec"]
    code, out, err = arena_main("leaderboard", TTT, "--db", db, "--markdown", "--name", "perfect=minimax:depth=0")
    assert code == 0 and "| perfect |" in out and "games of 2 tournaments · arena" in out, err
    code, out, err = arena_main("leaderboard", TTT, "--db", db, "--name", "x=alphazero")
    assert_one_line_error(code, err, "alphazero", "not an agent of this board", "minimax")


def test_games_export_as_pgn_that_rating_tools_read(played, arena_main):
    code, out, err = arena_main("games", "--db", played, "--pgn")
    assert code == 0, err
    blocks = [b for b in out.split("[Event ") if b]
    assert len(blocks) == 6
    for block in blocks:
        tags = dict(re.findall(r'\[(\w+) "([^"]*)"\]', "[Event " + block))
        assert {"Site", "Date", "Round", "White", "Black", "Result", "GameId", "Seed", "Termination"} <= set(tags)
        assert tags["Result"] in ("1-0", "0-1", "1/2-1/2")
        movetext = block.split("\n\n", 1)[1].split()
        assert movetext[0] == "1." and movetext[-1] == tags["Result"]  # the result closes the movetext
        assert all("(" not in t and "{" not in t for t in movetext)
    assert "x(" not in out and re.search(r"\n1\. \S+", out)


def test_an_empty_pgn_export_is_one_line(played, arena_main):
    code, out, err = arena_main("games", "--db", played, "--env", "openspiel/connect_four", "--pgn")
    assert_one_line_error(code, err, "no two-player games")
    assert out == ""


def test_match_json_has_named_fields_and_warns_when_max_games_is_short(tmp_path, arena_main):
    args = ["match", "minimax", "random", TTT, "--sprt", "elo0=0,elo1=5,model=logistic", "--trinomial",
            "--max-games", "4", "--concurrency", "1", "--quiet", "--db", str(tmp_path / "m.db"), "--json"]
    code, out, err = arena_main(*args)
    assert code == 0, err
    assert "warning: --max-games 4 is below the" in err and "games this test expects" in err
    data = json.loads(out)
    assert data["verdict"] == "no verdict" and data["model"] == "logistic" and data["games"] == 4
    assert data["wins"] + data["draws"] + data["losses"] == 4 and set(data["trinomial"]) == {"L", "D", "W"}
    assert data["bounds"]["upper"] == pytest.approx(2.944, abs=1e-3) and data["expected_games"] > 4
