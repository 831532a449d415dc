"""The command line driven with generated commands: whatever a user types, `arena` ends with
exit code 0 or 2 (130 on interrupt), prints no traceback, and says what went wrong in one
line on stderr. In-process through click's CliRunner (the same `ArenaGroup.main` guard the
console script runs), so thousands of invocations fit in minutes.

The default tier runs a small sample; the slow tier (`pytest -m slow`) over 2,000.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arena.cli import cli

ROOT = Path(__file__).resolve().parents[1]
RANDOM_BOT = f"cmd:{sys.executable} {ROOT / 'examples' / 'agents' / 'random_bot.py'}"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    """A pool of paths a user might hand over: right, wrong, missing, hostile."""
    d = tmp_path_factory.mktemp("fuzz")
    (d / "text.txt").write_text("hi\n")
    (d / "empty").write_bytes(b"")
    (d / "junk.bin").write_bytes(bytes(range(256)) * 4)
    (d / "folder").mkdir()
    (d / "notadb.db").write_text("SQLite format 3 but not really\n")
    (d / "logs").mkdir()
    with sqlite3.connect(d / "other.db") as conn:
        conn.execute("CREATE TABLE games (x)")
    return {name: str(d / name) for name in ("text.txt", "empty", "junk.bin", "folder", "notadb.db",
                                                 "other.db", "missing.pt", "new.db", "games.db")} | {"dir": str(d)}


def often(valid, *rest):
    """Mostly well-formed values (to reach deep into the commands), sometimes anything."""
    if not rest:
        return valid
    anything = st.one_of(*rest)
    return st.sampled_from([True, True, True, False]).flatmap(lambda good: valid if good else anything)


def pool(files: dict[str, str]):
    paths = st.sampled_from([v for k, v in files.items() if k != "dir"] + ["", "/", "/proc/1/mem"])
    words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
    numbers = often(st.integers(0, 6).map(str), st.integers(0, 6).map(str),
                    st.integers(-5, 12).map(str), st.integers(-2**70, 2**70).map(str),
                    st.sampled_from(["0.001", "0.05", "1e9", "nan", "inf", "-inf", "-0.5", "1e-300", "x", ""]),
                    st.floats(allow_nan=True).map(repr))
    seconds = often(st.sampled_from(["0.001", "0.01", "0.5", "2", "0"]), numbers)
    envs = often(
        st.sampled_from(["openspiel/tic_tac_toe", "openspiel/kuhn_poker", "openspiel/nim", "openspiel/tiny_hanabi",
                         "openspiel/breakthrough:rows=3,columns=3", "pettingzoo/classic/tictactoe_v3",
                         "openspiel/leduc_poker", "openspiel/first_sealed_auction", "openspiel/pig:winscore=10"]),
        st.sampled_from(["openspiel/breakthrough:rows=1", "openspiel/breakthrough:rows=x,columns=3",
                         "openspiel/tic_tac_toe:foo=1", "openspiel/nope", "pettingzoo/classic/hanabi_v5",
                         "openspiel/add_noise", "fivehero/5v5:bogus=1", "openspiel", "/", "a/b",
                         "openspiel/tic_tac_toe:", "openspiel/tic_tac_toe:=,", "openspiel/nim:pile_sizes=-1"]),
        st.builds(lambda k, v: f"openspiel/tic_tac_toe:{k}={v}", words, words),
        words)
    agents = often(
        st.sampled_from(["random", "random", "minimax", "mcts:sims=5", "mcts:sims=20", RANDOM_BOT,
                         "minimax:depth=2"]),
        st.sampled_from(["first-legal", "mcts:sims=-1", "mcts:bogus=1", "mcts:sims=x", "muzero", "ppo", "muzero:sims=1", "cmd:",
                         "cmd:nonexistent-program", "cmd:/etc/passwd", "cmd:'unclosed", "random:", ":", "human",
                         "minimax:depth=-3", "mcts:sims=3000"]),
        paths.map(lambda p: f"muzero:checkpoint={p}"), paths.map(lambda p: f"ppo:checkpoint={p}"),
        st.builds(lambda n, k, v: f"{n}:{k}={v}", st.sampled_from(["random", "mcts", "minimax", "x"]), words, words),
        words)
    extra = st.one_of(st.just([]), st.just([]), st.just([]), st.lists(
        st.one_of(st.sampled_from(["--json", "--bogus", "-", "--", "--help", "--seed", "-x"]), words), max_size=2))
    opt = lambda flag, values: st.one_of(st.just([]), st.just([]), values.map(lambda v: [flag, v]))  # noqa: E731
    db = often(st.sampled_from([["--db", files["games.db"]], ["--db", files["new.db"]]]),
               st.just([]), paths.map(lambda p: ["--db", p]))

    def command(name, *parts):
        return st.tuples(*parts).map(lambda ps: [name, *(x for p in ps for x in (p if isinstance(p, list) else [p]))])

    field = often(st.lists(agents, min_size=2, max_size=3, unique=True), st.lists(agents, max_size=3))
    return st.one_of(
        command("play", envs, field, opt("--seed", numbers), opt("--time-per-move", seconds),
                st.sampled_from([[], ["--json"], ["--render"]]), extra),
        command("tournament", envs, field, st.just(["--quiet"]), opt("--games", numbers), opt("--seed", numbers),
                often(st.just(["--concurrency", "1"]), st.sampled_from([["--concurrency", "2"], ["--concurrency", "0"]])),
                opt("--time-per-move", seconds), opt("--time-bank", seconds), opt("--opening-plies", numbers),
                opt("--format", st.sampled_from(["round-robin", "gauntlet", "swiss", "x"])),
                opt("--rounds", numbers), opt("--name", often(st.sampled_from(["t1", "t2"]), words)),
                opt("--challenger", agents), db, st.sampled_from([[], [], ["--isolate"]]), extra),
        command("match", agents, agents, envs, st.just(["--quiet", "--concurrency", "1"]),
                opt("--max-games", st.sampled_from(["2", "4", "0", "-2", "3", "x"])),
                opt("--sprt", often(st.just("elo0=0,elo1=400"), words)), opt("--seed", numbers), db, extra),
        command("leaderboard", envs, db, opt("--method", st.sampled_from(["bt", "elo", "openskill", "x"])),
                opt("--anchor", often(st.just("random=0"), words)), opt("--tournament", often(st.just("t1"), words)),
                st.sampled_from([[], ["--json"], ["--csv"], ["--markdown"], ["--json", "--csv"], ["--nash"]]),
                opt("--html", paths), extra),
        command("games", db, opt("--env", envs), opt("--tournament", words), st.sampled_from([[], ["--json"]])),
        command("replay", numbers, db, st.sampled_from([[], ["--render"]])),
        command("envs", st.sampled_from([[], ["--json"], ["--all"]]), opt("--family", words)),
        command("agents", opt("--game", envs), st.sampled_from([[], ["--json"]])),
        command("plugins", st.sampled_from([[], ["--json"]])),
        command("train", st.sampled_from(["muzero", "ppo", "nosuch", ""]), envs,
                opt("--steps", st.sampled_from(["0", "-1", "x", "1e3"])), opt("--minutes", st.sampled_from(["0", "-1", "nan"])),
                opt("--out", paths), opt("--seed", numbers), opt("--workers", numbers)),
        st.lists(words, max_size=3),
    )


def invoke(args: list[str], files: dict[str, str], stdin: str = ""):
    runner = CliRunner()
    env = {"ARENA_DB": str(Path(files["dir"]) / "default.db"), "ARENA_AGENT_LOGS": str(Path(files["dir"]) / "logs"),
           "ARENA_DEBUG": None, "COLUMNS": "120"}
    here = os.getcwd()
    os.chdir(files["dir"])  # a command that writes beside itself writes here
    try:
        return runner.invoke(cli, args, input=stdin, env=env, catch_exceptions=True)
    finally:
        os.chdir(here)


def check(args: list[str], files: dict[str, str]) -> None:
    result = invoke(args, files, stdin=hypothesis_stdin(args))
    where = f"arena {' '.join(map(repr, args))}"
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{where} escaped the guard: {result.exception!r}"
    assert result.exit_code in (0, 2, 130), f"{where} -> exit {result.exit_code}: {result.stderr[-800:]}"
    assert "Traceback" not in result.stdout + result.stderr, f"{where}: {result.stderr[-2000:]}"
    if result.exit_code != 0:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(("Error: ", "Interrupted.")), f"{where}: {result.stderr!r}"


def hypothesis_stdin(args: list[str]) -> str:
    # serve-agent and the human agent read stdin: give them a broken hello and an end of input.
    return '{"type":"hello","protocols":[1]}\nnot json\n' if "serve-agent" in args else ""


def _fuzz(files, examples: int):
    @settings(max_examples=examples, deadline=None, derandomize=examples < 500, database=None,
              suppress_health_check=list(HealthCheck))
    @given(args=pool(files))
    def run(args):
        check(args, files)

    run()


def test_generated_commands_end_in_one_line_or_success(files):
    _fuzz(files, 80)


@pytest.mark.slow
def test_two_thousand_generated_commands_end_in_one_line_or_success(files):
    _fuzz(files, 2000)


@pytest.mark.parametrize("args, words", [
    (["play", "openspiel/nim", "muzero", "random"], ["no bundled checkpoint", "checkpoint=PATH"]),
    (["play", "fivehero/1v1", "ppo", "random"], ["no bundled checkpoint", "checkpoint=PATH"]),
    (["play", "openspiel/tic_tac_toe", "random", "random", "--seed", "-1"], ["--seed", "0<=x"]),
    (["tournament", "openspiel/tic_tac_toe", "random", "minimax", "--seed", "-1"], ["--seed", "0<=x"]),
    (["match", "random", "minimax", "openspiel/tic_tac_toe", "--seed", "-1"], ["--seed", "0<=x"]),
    (["play", "openspiel/breakthrough:rows=1", "random", "random"], ["rows", "valid parameters: columns=8"]),
    (["play", "openspiel/tic_tac_toe", "muzero:checkpoint=text.txt", "random"], ["not a torch checkpoint"]),
    (["train", "muzero", "openspiel/kuhn_poker", "--steps", "1"], ["two-player, turn-based games of perfect information", "imperfect", "chance"]),
    (["train", "muzero", "openspiel/backgammon", "--steps", "1"], ["without chance nodes", "has chance nodes"]),
    (["play", "--nope"], ["No such option", "--help"]),
])
def test_the_reported_tracebacks_are_one_line_errors(files, args, words):
    args = [a.replace("text.txt", files["text.txt"]) for a in args]
    result = invoke(args, files)
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in lines[0]


def test_serve_agent_without_a_checkpoint_is_one_line(arena_cli):
    # A real process: serve-agent moves fd 1 aside for the protocol, not for a test runner.
    result = arena_cli("serve-agent", "muzero", "--game", "openspiel/nim", input="")
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "no bundled checkpoint" in result.stderr


def test_a_required_agent_parameter_left_out_is_named_in_one_line():
    from arena.agents import build_params
    from arena.errors import ArenaError

    class NeedsBook:
        def __init__(self, env_info, *, book: Path, depth: int = 3):
            pass

    with pytest.raises(ArenaError, match=r"^agent oracle needs book: e.g. oracle:book=PATH$"):
        build_params(NeedsBook, "depth=2", "oracle")


def test_an_unexpected_error_is_one_line_and_arena_debug_shows_the_traceback(files, monkeypatch):
    import arena.api

    def broken(*_):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(arena.api, "list_envs", broken)
    result = invoke(["envs"], files)
    assert result.exit_code == 1 and result.stderr.strip().splitlines() == [
        "Error: unexpected ZeroDivisionError: a bug (a bug in arena or a plugin; ARENA_DEBUG=1 shows the traceback)"]
    debug = CliRunner().invoke(cli, ["envs"], env={"ARENA_DEBUG": "1"})
    assert debug.exit_code == 1 and "Traceback" in debug.stderr and "ZeroDivisionError: a bug" in debug.stderr
