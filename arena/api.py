"""The Python API: make envs and agents from ids and specs, list what is installed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from arena.agents import Agent, Requirements, build_params, parse_agent_spec
from arena.envs.base import Env, EnvInfo, format_env_id, parse_env_id
from arena.errors import ArenaError
from arena.plugins import Entry, get_registry, load_target, unknown


def env_entry(name: str) -> Entry:
    """The registration that builds `name`: its own, or its family's ("openspiel/*"); either
    may be reached by its qualified name (PLUGIN.openspiel/*)."""
    registry = get_registry()
    entry = registry.find("envs", name) or registry.find("envs", name.split("/", 1)[0] + "/*")
    if entry is None:
        raise ArenaError(unknown("env", name, [e["id"] for e in list_envs()]))
    return entry


def make_env(env_id: str) -> Env:
    """Build a game from its id, e.g. 'openspiel/connect_four' or
    'pettingzoo/classic/tictactoe_v3' or 'openspiel/breakthrough:rows=6,columns=6'."""
    name, params = parse_env_id(env_id)
    entry = env_entry(name)
    if entry.spec.left_out and not params:
        raise ArenaError(f"{name} cannot be played here: {entry.spec.left_out}; see `arena envs --all`")
    own = _own_name(name, entry)
    try:
        env = entry.load()(own, params, **entry.spec.options)
    except ArenaError:
        raise
    except Exception as exc:  # noqa: BLE001 - a game package's own failure, in one line
        raise ArenaError(
            f"cannot build {env_id}: {type(exc).__name__}: {exc}"[:400] + "; see `arena envs` for the games that play"
        ) from None
    if own != name:  # reached by a qualified name: the env's id says which plugin's game it is
        env.info = replace(env.info, id=format_env_id(name, params))
    return env


def _own_name(name: str, entry: Entry) -> str:
    """`name` as the registering plugin knows it, without a PLUGIN. prefix it was reached by."""
    if entry.spec.is_family:
        return entry.spec.name[:-1] + name.split("/", 1)[1]
    return entry.spec.name


def list_envs(include_left_out: bool = False) -> list[dict[str, Any]]:
    """One dict per playable env id: id, kind, players, teams, forward_model, plugin, and
    left_out (why a registered game is not playable here; such rows only if asked)."""
    rows = []
    for entry in get_registry().envs.values():
        if entry.spec.is_family:
            prefix = entry.name[: -len(entry.spec.name)]  # "PLUGIN." when qualified
            for row in _catalog(entry):
                rows.append({"left_out": None, **row, "id": prefix + row["id"], "plugin": entry.plugin})
        else:
            rows.append(_env_row(entry))
    for row in rows:
        row.setdefault("unavailable", None)
    return sorted((r for r in rows if include_left_out or not r["left_out"]), key=lambda r: r["id"])


def _catalog(entry: Entry) -> list[dict[str, Any]]:
    if entry.unavailable():
        return [{**_env_row(entry), "unavailable": entry.unavailable()}]
    return [dict(row) for row in load_target(entry.spec.catalog)()]


def _env_row(entry: Entry) -> dict[str, Any]:
    spec = entry.spec
    return {
        "id": entry.name,
        "kind": spec.kind,
        "players": spec.players,
        "teams": spec.teams,
        "forward_model": spec.forward_model,
        "description": spec.description,
        "plugin": entry.plugin,
        "unavailable": entry.unavailable(),
        "left_out": spec.left_out,
    }


def cannot_play(agent_name: str, info: EnvInfo) -> str | None:
    """Why the registered agent cannot play this env, or None."""
    req: Requirements = get_registry().requirements(agent_name)
    return req.reason_cannot_play(info.id, info.kind, len(info.sides), info.teams is not None, info.forward_model)


def interactive(specs: Iterable[str]) -> bool:
    """Whether any of these agents talks to the user at the terminal (`AgentSpec.interactive`,
    e.g. `human`): their games are played in this process, not in a worker."""
    registry = get_registry()
    entries = (registry.find("agents", spec.partition(":")[0]) for spec in specs)
    return any(entry is not None and entry.spec.interactive for entry in entries)


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
