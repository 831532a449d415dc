"""The first-party plugins are built only on the public API a third-party plugin has
(docs/plugins.md, "Public API"): an import of a private core module or name, or of another
plugin's code, fails here."""

import ast
from pathlib import Path

import pytest

import arena

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_DIRS = sorted([*(ROOT / "agents").glob("arena_*"), *(ROOT / "plugins").glob("arena_*")])

# Keep in step with docs/plugins.md.
PUBLIC_MODULES = {
    "arena", "arena.agents", "arena.api", "arena.checkpoints", "arena.envs", "arena.envs.base",
    "arena.errors", "arena.hookspecs", "arena.plugins", "arena.referee", "arena.remote",
    "arena.specs", "arena.store", "arena.testing", "arena.training", "arena.ratings",
}


def imports(path: Path):
    """(line, module, names) of every import in a file; names is () for `import module`."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module, tuple(a.name for a in node.names)


def violations(package: Path) -> list[str]:
    own = package.name
    first_party = {p.name for p in PLUGIN_DIRS}
    found = []
    for path in sorted(package.rglob("*.py")):
        where = f"{path.relative_to(ROOT)}"
        for line, module, names in imports(path):
            top = module.split(".")[0]
            if top == "arena":
                if module not in PUBLIC_MODULES:
                    found.append(f"{where}:{line} imports private module {module}")
                found += [f"{where}:{line} imports private name {module}.{n}" for n in names if n.startswith("_")]
            elif top in first_party and top != own:
                found.append(f"{where}:{line} imports another plugin's code ({module})")
    return found


@pytest.mark.parametrize("package", PLUGIN_DIRS, ids=lambda p: p.name)
def test_first_party_plugins_import_only_the_public_api(package):
    assert violations(package) == []


def test_the_scan_catches_a_private_import(tmp_path):
    bad = tmp_path / "arena_bad"
    bad.mkdir()
    (bad / "__init__.py").write_text("from arena.agents import _convert\nimport arena.cli\n"
                                     "from arena_fivehero.env import MAP\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = violations(bad)
    finally:
        ROOT = saved
    assert len(found) == 3
    assert "private name arena.agents._convert" in found[0]
    assert "private module arena.cli" in found[1]
    assert "another plugin's code" in found[2]


def test_public_modules_exist():
    import importlib

    for module in PUBLIC_MODULES:
        importlib.import_module(module)
    assert {"Agent", "Env", "EnvInfo", "ForwardModel", "ObservationProtocol"} <= set(arena.__all__)


def test_every_hook_spec_field_and_interface_member_is_documented_for_plugin_authors():
    """datasette's rule: what a plugin author may use is in docs/plugins.md."""
    import dataclasses
    import inspect

    from arena import hookspecs
    from arena.agents import ObservationProtocol
    from arena.envs.base import Env, EnvInfo, ForwardModel
    from arena.specs import AgentSpec, EnvSpec, TrainerSpec

    doc = (ROOT / "docs" / "plugins.md").read_text()
    names = {n for n, f in vars(hookspecs).items() if callable(f) and hasattr(f, "arena_spec")}
    for spec in (AgentSpec, EnvSpec, TrainerSpec):
        names |= {f.name for f in dataclasses.fields(spec)}
    names |= {f.name for f in dataclasses.fields(EnvInfo)} | {"sides", "observation_shape_of"}
    for cls in (Env, ForwardModel, ObservationProtocol):
        names |= {n for n, _ in inspect.getmembers(cls) if not n.startswith("_")}
    names |= {"seat", "time_left"}
    missing = sorted(n for n in names if f"`{n}" not in doc)
    assert missing == [], f"not in docs/plugins.md: {missing}"


def test_trainers_reach_a_games_fast_path_through_the_env_interface():
    # The PPO trainer once reached into the adapter's PettingZoo env; now Env.batched() is
    # the documented way, and only games that offer it say so.
    from arena import make_env
    from arena.envs import BatchedEnv

    env = make_env("fivehero/1v1")
    env.reset(0)  # `winner` exists once a game is under way
    assert isinstance(env.batched(), BatchedEnv)
    assert make_env("openspiel/tic_tac_toe").batched() is None
    assert make_env("pettingzoo/classic/tictactoe_v3").batched() is None
