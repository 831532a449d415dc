"""Plugin loading: entry points one at a time, failures contained, selection, conflicts."""

import json
import textwrap

import pytest

from arena import hookimpl
from arena.errors import ArenaError
from arena.plugins import Registry


def _fake_distribution(tmp_path, name, entry_points: dict[str, str], modules: dict[str, str]):
    """A real installed-looking distribution on a path: dist-info plus modules."""
    info = tmp_path / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    lines = "\n".join(f"{k} = {v}" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[arena]\n{lines}\n")
    for module, source in modules.items():
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
    return tmp_path


GOOD = """
    from arena import hookimpl
    from arena_baselines.simple import RandomAgent

    @hookimpl
    def register_agents(register):
        register("good-random", "arena_baselines.simple:RandomAgent", description="a copy")
"""
RAISES_ON_REGISTER = """
    from arena import hookimpl

    @hookimpl
    def register_agents(register):
        raise RuntimeError("boom in register")
"""
DUPLICATE = """
    from arena import hookimpl

    @hookimpl
    def register_agents(register):
        register("random", "arena_baselines.simple:RandomAgent")
"""


@pytest.fixture
def plugin_path(tmp_path, monkeypatch):
    path = _fake_distribution(
        tmp_path, "arena-test-plugins",
        {"good": "good_plugin", "broken": "no_such_module_xyz", "raiser": "raiser_plugin",
         "dup": "dup_plugin"},
        {"good_plugin": GOOD, "raiser_plugin": RAISES_ON_REGISTER, "dup_plugin": DUPLICATE},
    )
    monkeypatch.syspath_prepend(str(path))
    return path


def test_broken_plugins_are_reported_not_fatal(plugin_path, monkeypatch):
    monkeypatch.delenv("ARENA_LOAD_PLUGINS", raising=False)
    reg = Registry()
    reg.load_entry_points()
    assert "good-random" in reg.agents and "random" in reg.agents
    assert "failed to load: ModuleNotFoundError" in reg.plugins["broken"].errors[0]
    assert "boom in register" in reg.plugins["raiser"].errors[0]
    # Two plugins registering one name: an error naming both; the first keeps the name.
    assert "'baselines'" in reg.plugins["dup"].errors[0] and "'dup'" in reg.plugins["dup"].errors[0]
    assert reg.agents["random"].plugin == "baselines"


def test_strict_mode_makes_failures_fatal(plugin_path, monkeypatch):
    monkeypatch.setenv("ARENA_STRICT_PLUGINS", "1")
    monkeypatch.setenv("ARENA_LOAD_PLUGINS", "baselines,broken")
    with pytest.raises(ArenaError, match="broken"):
        Registry().load_entry_points()


@pytest.mark.parametrize("selection, expected", [
    ("", set()),
    ("baselines", {"baselines"}),
    ("baselines, openspiel", {"baselines", "openspiel"}),
])
def test_load_plugins_selection(selection, expected, monkeypatch):
    monkeypatch.setenv("ARENA_LOAD_PLUGINS", selection)
    reg = Registry()
    reg.load_entry_points()
    assert set(reg.plugins) == expected


def test_cli_reports_broken_plugin_and_keeps_working(plugin_path, arena_cli):
    env = {"PYTHONPATH": str(plugin_path)}
    result = arena_cli("plugins", "--json", env=env)
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["good"]["registered"] == {"agents": ["good-random"]}
    assert rows["good"]["version"] == "1.0"
    assert rows["broken"]["errors"] and "no_such_module_xyz" in rows["broken"]["errors"][0]
    assert "warning: plugin 'broken'" in result.stderr
    strict = arena_cli("plugins", env={**env, "ARENA_STRICT_PLUGINS": "1"})
    assert strict.returncode == 2
    assert strict.stderr.strip().count("\n") == 0 and "Traceback" not in strict.stderr


def test_register_plugin_fixture_adds_and_removes(register_plugin):
    class Plugin:
        @hookimpl
        def register_agents(register):
            register("fixture-agent", "arena_baselines.simple:RandomAgent")

    register_plugin(Plugin, "fixture-plugin")
    from arena.plugins import get_registry

    assert get_registry().agents["fixture-agent"].plugin == "fixture-plugin"


def test_fixture_plugin_is_gone_after_its_test():
    from arena.plugins import get_registry

    assert "fixture-agent" not in get_registry().agents


def test_listing_imports_no_torch(arena_cli):
    code = (
        "import sys\n"
        "from arena.cli import main\n"
        "for args in (['--help'], ['plugins'], ['envs'], ['agents'], ['agents', '--game', 'openspiel/connect_four']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit as e:\n"
        "        assert e.code in (0, None), (args, e.code)\n"
        "assert 'torch' not in sys.modules, 'listing imported torch'\n"
        "print('NO TORCH')\n"
    )
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "NO TORCH" in out.stdout


def test_plugin_commands_and_events(tmp_path, arena_cli):
    path = _fake_distribution(tmp_path, "arena-cmd-plugin", {"hello": "hello_plugin"}, {
        "hello_plugin": """
            import click
            from arena import hookimpl

            @hookimpl
            def register_commands(cli):
                @cli.command()
                def hello():
                    "Say hello."
                    click.echo("hello from a plugin")

            @hookimpl
            def on_game_end(record):
                print("GAME OVER", record.termination, record.scores)

            @hookimpl
            def on_tournament_end(name):
                raise RuntimeError("buggy listener")
        """,
    })
    env = {"PYTHONPATH": str(path)}
    assert arena_cli("hello", env=env).stdout.strip() == "hello from a plugin"
    played = arena_cli("play", "openspiel/tic_tac_toe", "minimax", "minimax", env=env)
    assert "GAME OVER normal [0.5, 0.5]" in played.stdout


def test_a_raising_listener_is_contained(register_plugin):
    from arena.plugins import get_registry

    class Listener:
        @hookimpl
        def on_tournament_end(name):
            raise RuntimeError("buggy listener")

    register_plugin(Listener, "buggy")
    get_registry().notify("on_tournament_end", name="t", env_id="e", results=[])
    assert "buggy listener" in get_registry().plugins["buggy"].errors[-1]
