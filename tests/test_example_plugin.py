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
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", str(EXAMPLE)],
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
            "check_agent('greedy', 'openspiel/tic_tac_toe'); check_agent('greedy:block=false', 'openspiel/connect_four')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
