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
    # A second plugin registering a name: the first keeps it, the second's is qualified.
    assert reg.agents["random"].plugin == "baselines"
    assert reg.agents["dup.random"].plugin == "dup"
    assert "'baselines'" in reg.plugins["dup"].warnings[0] and "'dup.random'" in reg.plugins["dup"].warnings[0]


def test_strict_mode_makes_failures_fatal(plugin_path, monkeypatch):
    monkeypatch.setenv("ARENA_STRICT_PLUGINS", "1")
    monkeypatch.setenv("ARENA_LOAD_PLUGINS", "baselines,broken")
    with pytest.raises(ArenaError, match="broken"):
        Registry().load_entry_points()


@pytest.mark.parametrize("selection, expected", [
    ("", {"arena"}),
    ("baselines", {"arena", "baselines"}),
    ("baselines, openspiel", {"arena", "baselines", "openspiel"}),
])
def test_load_plugins_selection_always_keeps_the_core_plugin(selection, expected, monkeypatch):
    monkeypatch.setenv("ARENA_LOAD_PLUGINS", selection)
    reg = Registry()
    reg.load_entry_points()
    assert set(reg.plugins) == expected
    assert reg.agents["cmd"].plugin == "arena"


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
    assert "buggy listener" in get_registry().plugins["buggy"].warnings[-1]
    assert get_registry().plugins["buggy"].loaded  # an event that raises is reported, not fatal


# -- names nobody can take, failures contained whole ---------------------------------------

TAKEOVER = """
    from arena import hookimpl

    @hookimpl
    def register_agents(register):
        register("random", "arena_baselines.simple:RandomAgent", description="not the real one")
        register("cmd", "arena_baselines.simple:RandomAgent")
        register("alpha-own", "arena_baselines.simple:RandomAgent")

    @hookimpl
    def register_envs(register):
        register("openspiel/*", "arena_openspiel.env:make", catalog="arena_openspiel.env:catalog")
"""
HALF_REGISTERED = """
    from arena import hookimpl

    @hookimpl
    def register_agents(register):
        register("half-bot", "arena_baselines.simple:RandomAgent")
        raise RuntimeError("failed after one registration")

    @hookimpl
    def on_game_end(record):
        print("HALF HOOK FIRED")
"""
TYPO_KEYWORD = """
    from arena import hookimpl

    @hookimpl
    def register_agents(register):
        register("typo-bot", "arena_baselines.simple:RandomAgent", descripton="misspelt")
"""
WRONG_SIGNATURE = """
    from arena import hookimpl

    @hookimpl
    def register_agents(register, registry):
        register("sig-bot", "arena_baselines.simple:RandomAgent")
"""
BAD_NAME = """
    from arena import hookimpl

    @hookimpl
    def register_agents(register):
        register("my:bot", "arena_baselines.simple:RandomAgent")
"""


@pytest.fixture
def rivals(tmp_path, monkeypatch):
    """Third-party plugins whose names sort before the first-party ones."""
    path = _fake_distribution(
        tmp_path, "arena-rivals",
        {"alpha-bot": "alpha_plugin", "aa-half": "half_plugin", "aa-typo": "typo_plugin",
         "aa-sig": "sig_plugin", "aa-name": "name_plugin"},
        {"alpha_plugin": TAKEOVER, "half_plugin": HALF_REGISTERED, "typo_plugin": TYPO_KEYWORD,
         "sig_plugin": WRONG_SIGNATURE, "name_plugin": BAD_NAME},
    )
    monkeypatch.syspath_prepend(str(path))
    monkeypatch.delenv("ARENA_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("ARENA_STRICT_PLUGINS", raising=False)
    return path


def test_first_party_plugins_load_first_whatever_the_names(rivals):
    reg = Registry()
    reg.load_entry_points()
    order = list(reg.plugins)
    assert order[0] == "arena"
    first_party = ["baselines", "fivehero", "muzero", "openspiel", "pettingzoo", "ppo"]
    assert order[1:7] == first_party
    assert order[7:] == sorted(order[7:])  # third-party after, by name


def test_a_third_party_plugin_cannot_take_a_built_in_name(rivals, capsys):
    reg = Registry()
    reg.load_entry_points()
    for name in ("random", "mcts", "minimax", "human"):
        assert reg.agents[name].plugin == "baselines"
    assert reg.agents["cmd"].plugin == "arena"
    assert reg.agents["alpha-bot.random"].plugin == "alpha-bot"
    assert reg.agents["alpha-bot.cmd"].plugin == "alpha-bot"
    assert reg.agents["alpha-own"].plugin == "alpha-bot"  # no collision: the bare name
    assert reg.plugins["baselines"].loaded and not reg.plugins["baselines"].warnings
    warning = next(w for w in reg.plugins["alpha-bot"].warnings if "'random'" in w)
    assert "'baselines'" in warning and "'alpha-bot.random'" in warning
    assert "warning: plugin 'alpha-bot' registers agent 'random'" in capsys.readouterr().err


def test_qualified_names_are_accepted_wherever_a_name_is(rivals, arena_cli):
    env = {"PYTHONPATH": str(rivals)}
    played = arena_cli("play", "openspiel/tic_tac_toe", "alpha-bot.random", "baselines.random", "--json", env=env)
    assert played.returncode == 0, played.stderr
    assert json.loads(played.stdout)["players"] == ["alpha-bot.random", "baselines.random"]
    # The colliding family is reached by its qualified name, and says so in its id.
    family = arena_cli("play", "alpha-bot.openspiel/tic_tac_toe", "random", "random", "--json", env=env)
    assert family.returncode == 0, family.stderr
    assert json.loads(family.stdout)["env_id"] == "alpha-bot.openspiel/tic_tac_toe"
    listed = {row["id"] for row in json.loads(arena_cli("envs", "--json", env=env).stdout)}
    assert {"openspiel/tic_tac_toe", "alpha-bot.openspiel/tic_tac_toe"} <= listed


def test_a_plugin_that_fails_while_registering_is_removed_whole(rivals, capsys):
    reg = Registry()
    reg.load_entry_points()
    assert "half-bot" not in reg.agents
    assert not reg.plugins["aa-half"].loaded
    assert "register_agents raised RuntimeError: failed after one registration" in reg.plugins["aa-half"].errors[0]
    assert reg.pm.get_plugin("aa-half") is None  # its on_game_end hook is gone with it
    assert all(impl.plugin_name != "aa-half" for impl in reg.pm.hook.on_game_end.get_hookimpls())


@pytest.mark.parametrize("plugin, message", [
    ("aa-typo", "register_agents: unknown keyword 'descripton' for AgentSpec; valid: description, requires"),
    ("aa-sig", "registry"),
    ("aa-name", "agent name 'my:bot' is not usable in a spec"),
])
def test_malformed_registrations_are_one_line_naming_the_plugin(rivals, capsys, plugin, message):
    reg = Registry()
    reg.load_entry_points()
    info = reg.plugins[plugin]
    assert not info.loaded and message in info.errors[0]
    assert reg.pm.get_plugin(plugin) is None
    assert not any(e.plugin == plugin for e in reg.agents.values())
    lines = [ln for ln in capsys.readouterr().err.splitlines() if f"plugin {plugin!r}" in ln]
    assert len(lines) == 1 and "(not loaded)" in lines[0]
    assert "random" in reg.agents and reg.plugins["baselines"].loaded  # the rest is unaffected


def test_strict_mode_turns_a_malformed_registration_into_exit_2(rivals, arena_cli):
    env = {"PYTHONPATH": str(rivals), "ARENA_STRICT_PLUGINS": "1", "ARENA_LOAD_PLUGINS": "baselines,aa-typo"}
    result = arena_cli("agents", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "plugin 'aa-typo'" in result.stderr and "descripton" in result.stderr


def test_unknown_names_in_load_plugins_are_reported_with_the_valid_ones(monkeypatch, capsys, arena_cli):
    monkeypatch.setenv("ARENA_LOAD_PLUGINS", "baselines,baslines")
    monkeypatch.delenv("ARENA_STRICT_PLUGINS", raising=False)
    reg = Registry()
    reg.load_entry_points()
    assert set(reg.plugins) == {"arena", "baselines"}
    err = capsys.readouterr().err
    assert "'baslines'" in err and "installed: baselines, fivehero, muzero" in err
    strict = arena_cli("agents", env={"ARENA_LOAD_PLUGINS": "baslines", "ARENA_STRICT_PLUGINS": "1"})
    assert strict.returncode == 2 and strict.stderr.strip().count("\n") == 0
    assert "'baslines'" in strict.stderr


def test_with_no_plugins_the_core_still_offers_cmd(arena_cli):
    listed = arena_cli("agents", "--json", env={"ARENA_LOAD_PLUGINS": ""})
    assert listed.returncode == 0, listed.stderr
    assert [row["name"] for row in json.loads(listed.stdout)] == ["cmd"]


def test_a_tournament_records_the_plugin_of_an_agent_named_by_its_qualified_name(tmp_path, arena_cli):
    import sqlite3

    db = tmp_path / "q.db"
    done = arena_cli("tournament", "openspiel/tic_tac_toe", "baselines.random", "minimax", "--games", "2",
                     "--db", str(db), "--quiet")
    assert done.returncode == 0, done.stderr
    rows = dict(sqlite3.connect(db).execute("SELECT spec, plugin FROM agents").fetchall())
    assert rows == {"baselines.random": "baselines", "minimax:depth=0": "baselines"}  # stored canonical
