"""A third-party agent plugin, pip-installed for real, is found and plays."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parent.parent / "examples" / "arena-greedy-bot"


@pytest.fixture(scope="module")
def installed_example():
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--no-deps", str(EXAMPLE)],
                   check=True, capture_output=True, timeout=300)
    yield
    subprocess.run([*pip, "uninstall", "-y", "arena-greedy-bot"], capture_output=True, timeout=120)


def test_installed_plugin_is_found_and_plays(installed_example, arena_cli):
    plugins = {p["name"]: p for p in json.loads(arena_cli("plugins", "--json").stdout)}
    assert plugins["greedy"]["version"] == "0.2.0"
    assert plugins["greedy"]["registered"] == {"agents": ["greedy"]}
    result = arena_cli("play", "openspiel/tic_tac_toe", "greedy", "random", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["termination"] == "normal"


def test_installed_plugin_passes_check_agent(installed_example):
    code = ("from arena.testing import check_agent; "
            "check_agent('greedy', 'openspiel/tic_tac_toe'); "
            "check_agent('greedy:block=false', 'openspiel/connect_four')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]


# -- the example game plugin (examples/arena-nim), installed for real ---------------------

NIM = Path(__file__).parent.parent / "examples" / "arena-nim"


@pytest.fixture(scope="module")
def installed_nim():
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--no-deps", str(NIM)],
                   check=True, capture_output=True, timeout=300)
    yield
    subprocess.run([*pip, "uninstall", "-y", "arena-nim"], capture_output=True, timeout=120)


def test_installed_game_plugin_is_listed_with_its_forward_model(installed_nim, arena_cli):
    rows = json.loads(arena_cli("envs", "--family", "nim", "--json").stdout)
    assert [(r["id"], r["forward_model"], r["plugin"]) for r in rows] == [("nim/classic", True, "nim")]
    agents = {r["name"] for r in json.loads(arena_cli("agents", "--game", "nim/classic", "--json").stdout)}
    assert {"mcts", "minimax", "random"} <= agents


def test_planners_play_the_installed_game_in_process_and_isolated(installed_nim, arena_cli, tmp_path):
    played = arena_cli("play", "nim/classic:heaps=1-3-5", "minimax", "mcts:sims=100", "--json")
    assert played.returncode == 0, played.stderr
    assert json.loads(played.stdout)["termination"] == "normal"
    # In their own processes the planners get the state through Env.serialize_state.
    done = arena_cli("tournament", "nim/classic", "minimax", "mcts:sims=50", "--games", "2",
                     "--isolate", "--db", str(tmp_path / "t.db"), "--quiet")
    assert done.returncode == 0, done.stderr
    games = json.loads(arena_cli("games", "--db", str(tmp_path / "t.db"), "--json").stdout)
    assert len(games) == 2 and all(g["termination"] == "normal" for g in games)


def test_the_example_plugin_passes_its_own_tests(installed_nim):
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(NIM / "tests")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:]
