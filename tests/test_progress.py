"""Progress off a terminal: a line per finished game (cutechess's running score), standings,
the match's LLR, and a Ctrl-C that says at once what is saved and how to resume."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import warnings

import pytest

from arena.progress import LineProgress, result_text
from arena.ratings import SPRT
from arena.referee import GameRecord


def _game(players, scores, termination="normal", reason=""):
    return GameRecord("openspiel/tic_tac_toe", 0, list(players), [[0], [1]], moves=[[[0, 4]]] * 5,
                      latencies=[0.1] * 5, scores=list(scores), termination=termination, reason=reason)


def test_a_line_per_game_with_the_running_score_of_the_pairing():
    lines, now = [], iter(range(100)).__next__
    progress = LineProgress("tournament t", lines.append, standings_every=0, now=lambda: float(now()))
    progress.start(4, [_game(["a", "b"], [1, 0])])
    progress.game(_game(["b", "a"], [0.5, 0.5]))
    progress.game(_game(["a", "b"], [0, 1], "illegal", "seat 0 played 9, not a legal action"))
    assert lines[0] == "tournament t: 4 games, 1 stored already, 3 to play"
    assert lines[1].startswith("[0:00:01] game 2/4 b vs a: ½-½ (normal, 5 moves, 0.50 s thinking)")
    assert lines[1].endswith("Score of a vs b: 1 - 0 - 1 [0.750] 2")
    assert "game 3/4 a vs b: 0-1 (illegal: seat 0 played 9" in lines[2]
    assert lines[2].endswith("Score of a vs b: 1 - 1 - 1 [0.500] 3")


def test_every_nth_game_and_the_last_and_standings_every_m():
    lines = []
    progress = LineProgress("t", lines.append, every=2, standings_every=3)
    progress.start(5, [])
    for _ in range(5):
        progress.game(_game(["a", "b"], [1, 0]))
    games = [line.split()[2] for line in lines if "] game " in line]
    assert games == ["2/5", "4/5", "5/5"]
    standings = [line for line in lines if line.startswith("Standings")]
    assert [s.split()[2] for s in standings] == ["3/5", "5/5"]
    assert "1. a" in lines[lines.index(standings[-1]) + 1]


def test_a_match_line_carries_the_llr():
    lines, sprt = [], SPRT(0, 10, pentanomial=True)
    progress = LineProgress("match", lines.append, standings_every=0, sprt=sprt)
    progress.start(4, [])
    sprt.add_pair(1.0, 1.0)
    progress.game(_game(["a", "b"], [1, 0]))
    assert f"LLR {sprt.llr:+.3f} [{sprt.lower:.3f}, {sprt.upper:.3f}] after 1 pairs" in lines[-1]


def test_results_read_as_people_write_them():
    assert [result_text(s) for s in ([1, 0], [0, 1], [0.5, 0.5], [1, 0.5, 0])] == ["1-0", "0-1", "½-½", "1 0.5 0"]


def _tournament(db, *extra):
    return [sys.executable, "-m", "arena", "tournament", "openspiel/connect_four", "random", "mcts:sims=200",
            "--games", "12", "--db", str(db), "--concurrency", "1", *extra]


def test_redirected_tournament_prints_each_game_as_it_is_stored(tmp_path):
    db = tmp_path / "a.db"
    proc = subprocess.Popen(_tournament(db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stderr.readline()
    while "] game 1/12" not in first:
        first = proc.stderr.readline()
    seen = time.time()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    stored = sqlite3.connect(db).execute("SELECT min(created) FROM games").fetchone()[0]
    assert seen - stored < 2.0  # the first line follows the first stored game within 2 s
    assert sum(f"] game {k}/12 " in err for k in range(2, 13)) == 11
    assert "Score of random vs mcts:sims=200:" in err and "Standings after" in err


def test_progress_every_thins_the_lines(arena_cli, tmp_path):
    result = arena_cli("tournament", "openspiel/tic_tac_toe", "random", "minimax", "--games", "6",
                       "--db", str(tmp_path / "b.db"), "--concurrency", "1", "--progress-every", "4",
                       "--standings-every", "0")
    assert result.returncode == 0, result.stderr
    assert [line.split()[2] for line in result.stderr.splitlines() if "] game " in line] == ["4/6", "6/6"]
    assert "Standings" not in result.stderr


def test_ctrl_c_says_at_once_what_is_saved_and_how_to_resume(tmp_path):
    db = tmp_path / "c.db"
    # PYTHONFAULTHANDLER: should the arena hang after all, SIGABRT makes it print its stacks
    proc = subprocess.Popen(_tournament(db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONFAULTHANDLER": "1", "TMPDIR": str(tmp_path)})
    while "] game 2/12" not in proc.stderr.readline():
        pass
    sent = time.time()
    proc.send_signal(signal.SIGINT)
    line = proc.stderr.readline()
    while "stopping:" not in line:
        line = proc.stderr.readline()
    assert time.time() - sent < 1.0
    assert "finished games are saved in" in line and "arena tournament openspiel/connect_four" in line
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        pytest.fail("no exit 60 s after Ctrl-C; its stacks:\n" + proc.communicate(timeout=30)[1][-6000:])
    assert proc.returncode == 130
    if "exiting anyway" in err:  # the watchdog's exit: kept, but the hang is a bug to report
        where = err.split("where it hung: ")[1].split(")")[0]
        warnings.warn(f"stopping hung; exited by the watchdog. Stacks:\n{open(where).read()[-6000:]}", stacklevel=1)
    saved = int(line.split("stopping: ")[1].split()[0])
    rerun = subprocess.run(_tournament(db), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0 and f"12 games, {saved} stored already, {12 - saved} to play" in rerun.stderr


def test_line_standings_use_the_final_boards_zero_point():
    from arena.progress import LineProgress
    from arena.referee import GameRecord

    lines = []
    progress = LineProgress("t", write=lines.append, standings_every=0)
    records = [GameRecord("openspiel/tic_tac_toe", 0, ["bot", "random"], [[0], [1]], scores=[1.0, 0.0])] * 3
    progress.start(3, records)
    text = progress.standings(3)
    assert "random = 0" in text[0]
    assert any(line.split()[1] == "random" and line.split()[2] == "+0" for line in text[1:])


def test_a_stop_that_hangs_still_exits_with_130_and_says_where_it_hung(tmp_path):
    script = (
        "import os, signal, threading, arena.progress as p\n"
        "p.STOP_GRACE_S = 0.5\n"
        "with p.resume_notice('x.db', lambda: 3, ['tournament', 'g']):\n"
        "    try:\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        threading.Event().wait(5)\n"
        "    finally:\n"
        "        threading.Event().wait(60)  # clean-up that never ends\n"
    )
    started = time.time()
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30,
                            env={**os.environ, "TMPDIR": str(tmp_path)})
    assert result.returncode == 130 and time.time() - started < 20
    assert "stopping: 3 finished games are saved in x.db" in result.stderr
    assert f"stopping took over 0.5 s; exiting anyway (where it hung: {tmp_path}/arena-stopping-" in result.stderr
    where = result.stderr.split("where it hung: ")[1].split(")")[0]
    assert 'File "<string>", line 8' in open(where).read()  # the main thread, in the finally's wait
