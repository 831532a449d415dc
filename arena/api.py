"""The Python API: make envs and agents from ids and specs, list what is installed."""

from __future__ import annotations

from typing import Any

from arena.agents import Agent, Requirements, build_params, parse_agent_spec
from arena.envs.base import Env, EnvInfo, parse_env_id
from arena.errors import ArenaError
from arena.plugins import Entry, get_registry, load_target, unknown


def env_entry(name: str) -> Entry:
    """The registration that builds `name`: its own, or its family's ("openspiel/*")."""
    envs = get_registry().envs
    if name in envs:
        return envs[name]
    family = name.split("/", 1)[0] + "/*"
    if family in envs:
        return envs[family]
    raise ArenaError(unknown("env", name, [e["id"] for e in list_envs()]))


def make_env(env_id: str) -> Env:
    """Build a game from its id, e.g. 'openspiel/connect_four' or
    'pettingzoo/classic/tictactoe_v3' or 'openspiel/breakthrough:rows=6,columns=6'."""
    name, params = parse_env_id(env_id)
    entry = env_entry(name)
    if entry.meta.get("left_out") and not params:
        raise ArenaError(f"{name} cannot be played here: {entry.meta['left_out']}; see `arena envs`")
    try:
        return entry.load()(name, params, **entry.meta.get("options", {}))
    except ArenaError:
        raise
    except Exception as exc:  # noqa: BLE001 - a game package's own failure, in one line
        raise ArenaError(f"cannot build {env_id}: {type(exc).__name__}: {exc}"[:400]
                         + "; see `arena envs` for the games that play") from None


def list_envs(include_left_out: bool = False) -> list[dict[str, Any]]:
    """One dict per playable env id: id, kind, players, teams, forward_model, plugin, and
    left_out (why a registered game is not playable here; such rows only if asked)."""
    rows = []
    for entry in get_registry().envs.values():
        if entry.name.endswith("/*"):
            for row in _catalog(entry):
                rows.append({"left_out": None, **row, "plugin": entry.plugin})
        else:
            rows.append(_env_row(entry.name, entry))
    return sorted((r for r in rows if include_left_out or not r["left_out"]), key=lambda r: r["id"])


def _catalog(entry: Entry) -> list[dict[str, Any]]:
    return [dict(row) for row in load_target(entry.meta["catalog"])()]


def _env_row(env_id: str, entry: Entry) -> dict[str, Any]:
    m = entry.meta
    return {
        "id": env_id,
        "kind": m.get("kind"),
        "players": m.get("players"),
        "teams": bool(m.get("teams")),
        "forward_model": bool(m.get("forward_model")),
        "description": entry.description,
        "plugin": entry.plugin,
        "left_out": m.get("left_out"),
    }


def cannot_play(agent_name: str, info: EnvInfo) -> str | None:
    """Why the registered agent cannot play this env, or None."""
    req: Requirements = get_registry().requirements(agent_name)
    return req.reason_cannot_play(
        info.id, info.kind, len(info.sides), info.teams is not None, info.forward_model
    )


def make_agent(spec: str, env: Env | EnvInfo) -> Agent:
    """Build an agent from a spec string for an env, checking it can play that env."""
    info = env.info if isinstance(env, Env) else env
    name, rest = parse_agent_spec(spec)
    entry = get_registry().agent(name)
    reason = cannot_play(name, info)
    if reason:
        raise ArenaError(f"agent {name} cannot play {info.id}: it {reason}")
    factory = entry.load()
    params = build_params(factory, rest, name)
    try:
        return factory(info, **params)
    except ArenaError:
        raise
    except ValueError as exc:  # agents reject bad parameter values this way
        raise ArenaError(f"agent {name}: {exc}") from None
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - a plugin's constructor failed: in one line
        raise ArenaError(f"agent {spec} could not be built: {type(exc).__name__}: {exc}"[:500]) from None

