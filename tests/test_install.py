"""`arena install` / `arena uninstall` with real pip, in a throwaway virtual environment
that sees this checkout's packages (so the shared environment is never touched)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from arena.cli_agents import describe_changes

PLUGIN = "arena-test-echo-bot"


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(root)],
                   check=True)
    return root / "bin" / "python"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A tiny third-party agent plugin, built into a wheel (no network needed)."""
    src = tmp_path_factory.mktemp("plugin")
    (src / "arena_test_echo").mkdir()
    (src / "arena_test_echo" / "__init__.py").write_text(textwrap.dedent('''
        from arena import hookimpl

        @hookimpl
        def register_agents(register):
            register("echo-bot", "arena_baselines.simple:RandomAgent", description="a test plugin")
    '''))
    (src / "pyproject.toml").write_text(textwrap.dedent(f'''
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "{PLUGIN}"
        version = "0.3.0"

        [project.entry-points.arena]
        echo = "arena_test_echo"

        [tool.setuptools]
        packages = ["arena_test_echo"]
    '''))
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(out), str(src)], check=True, capture_output=True)
    return next(out.glob("*.whl"))


def arena(python: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-m", "arena", *args], capture_output=True, text=True, timeout=300)


def test_install_then_uninstall_reports_what_appeared_and_went(venv, wheel):
    done = arena(venv, "install", str(wheel))
    assert done.returncode == 0, done.stderr
    assert "+ plugin echo 0.3.0" in done.stdout and "+ agent echo-bot" in done.stdout
    listing = arena(venv, "agents", "--json")
    assert '"echo-bot"' in listing.stdout

    done = arena(venv, "uninstall", PLUGIN)
    assert done.returncode == 0, done.stderr
    assert "- plugin echo" in done.stdout and "- agent echo-bot" in done.stdout
    assert '"echo-bot"' not in arena(venv, "agents", "--json").stdout


def test_installing_a_package_that_does_not_exist_is_one_line_and_exit_2(venv):
    done = arena(venv, "install", "arena-no-such-plugin-anywhere-4711")
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: install of arena-no-such-plugin-anywhere-4711 failed:")
    assert "arena-no-such-plugin-anywhere-4711" in last


def test_describe_changes_lists_plugins_and_entries():
    before = {"base": {"version": "1", "registered": {"agents": ["random"]}, "errors": []}}
    after = {"base": {"version": "2", "registered": {"agents": ["random"]}, "errors": []},
             "new": {"version": "0.1", "registered": {"agents": ["bot"], "envs": ["x/y"]},
                     "errors": ["failed to load: ImportError: torch"]}}
    assert describe_changes(before, after) == [
        "+ plugin new 0.1", "~ plugin base 1 -> 2", "+ agent bot", "+ env x/y",
        "! plugin new: failed to load: ImportError: torch"]
    assert describe_changes(after, before) == [
        "- plugin new", "~ plugin base 2 -> 1", "- agent bot", "- env x/y"]
