"""What a plugin registers: typed specs, checked when they are registered.

A `register_*` hook is handed a `register` callback, called either with keywords,
``register("my-bot", "my_plugin:MyBot", description="...")``, or with a spec object,
``register(AgentSpec("my-bot", "my_plugin:MyBot"))``. Either way the fields are those of the
dataclasses below; an unknown keyword, a value of the wrong type, a target that is not
"module:attr" or a name that spec strings cannot carry is an error naming the plugin, and
the plugin is then not loaded at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from arena.agents import Requirements
from arena.envs.base import SIMULTANEOUS, TURN_BASED
from arena.errors import ArenaError

# Agent and trainer names appear in specs such as "mcts:sims=200" and in qualified names such
# as "my-plugin.random", so they may not hold ':', ',', '=' or '.'.
AGENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# Env ids: FAMILY/NAME[/...]; the family carries no '.', for the same reason. "FAMILY/*"
# registers a whole family.
ENV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(?:/[A-Za-z0-9_.\-]+)+$")
ENV_FAMILY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*/\*$")
TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


class SpecError(ArenaError):
    """A registration that cannot be accepted; the message is one line."""


def _check_target(what: str, value: Any) -> None:
    if not isinstance(value, str) or not TARGET.match(value):
        raise SpecError(f'{what} must be "module:attr" (imported on first use), not {value!r}')


def _check_type(what: str, value: Any, types: type | tuple[type, ...]) -> None:
    if not isinstance(value, types):
        names = " or ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
        raise SpecError(f"{what} must be {names}, not {type(value).__name__} {value!r}"[:200])


@dataclass(frozen=True)
class AgentSpec:
    """An agent: `target` names its class (or a factory taking `env_info` and keywords,
    whose typed parameters become the spec's `key=value` parameters)."""

    name: str
    target: str
    description: str = ""
    requires: Requirements = field(default_factory=Requirements)  # what it needs from an env
    # Modules it imports beyond the core (e.g. ("torch",)) and the command that installs
    # them; without them the agent is listed as unavailable with that command.
    needs: tuple[str, ...] = ()
    install: str = ""
    # It talks to the user at the arena's terminal (stdin), so its games are played in the
    # arena's own process; every other agent plays in a worker process, where a crash of its
    # interpreter costs one game, not the run.
    interactive: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not AGENT_NAME.match(self.name):
            raise SpecError(
                f"agent name {self.name!r} is not usable in a spec: letters, digits, "
                "'-' and '_', starting with a letter or digit"
            )
        _check_common(self)
        _check_type(f"agent {self.name}: requires", self.requires, Requirements)
        _check_type(f"agent {self.name}: interactive", self.interactive, bool)


@dataclass(frozen=True)
class TrainerSpec:
    """A trainer: `target` names a click command, run as `arena train NAME ...`."""

    name: str
    target: str
    description: str = ""
    needs: tuple[str, ...] = ()
    install: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not AGENT_NAME.match(self.name):
            raise SpecError(
                f"trainer name {self.name!r} is not usable on the command line: letters, digits, '-' and '_'"
            )
        _check_common(self)


@dataclass(frozen=True)
class EnvSpec:
    """A game, or with a name ending in "/*" a whole family of games.

    `target` names the factory, called as ``factory(name, params, **options)``: `name` is the
    id without parameters (e.g. "openspiel/breakthrough"), `params` the id's parameters as
    strings (e.g. {"rows": "6"}), `options` this spec's fixed keywords. A family's `catalog`
    ("module:attr") returns one dict per member with the keys of `arena envs --json`.
    `kind`, `players`, `teams` and `forward_model` describe the game for listings before any
    game is built; the built env's `EnvInfo` is what the referee trusts.
    """

    name: str
    target: str
    description: str = ""
    kind: str | None = None  # TURN_BASED or SIMULTANEOUS
    players: int | str | None = None  # a number, or text such as "2-5"
    teams: bool = False
    forward_model: bool = False
    catalog: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    needs: tuple[str, ...] = ()
    install: str = ""
    left_out: str | None = None  # why a registered game is not playable here (`arena envs --all`)

    @property
    def is_family(self) -> bool:
        return self.name.endswith("/*")

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not (ENV_NAME.match(self.name) or ENV_FAMILY.match(self.name)):
            raise SpecError(
                f"env id {self.name!r} is not usable: FAMILY/NAME of letters, digits, "
                "'-', '_' (and '.' after the family), or FAMILY/* for a family"
            )
        _check_common(self)
        what = f"env {self.name}"
        if self.kind not in (None, TURN_BASED, SIMULTANEOUS):
            raise SpecError(f"{what}: kind must be {TURN_BASED!r} or {SIMULTANEOUS!r}, not {self.kind!r}")
        _check_type(f"{what}: players", self.players, (int, str, type(None)))
        _check_type(f"{what}: teams", self.teams, bool)
        _check_type(f"{what}: forward_model", self.forward_model, bool)
        _check_type(f"{what}: options", self.options, Mapping)
        if self.catalog is not None:
            _check_target(f"{what}: catalog", self.catalog)
        if self.is_family and self.catalog is None:
            raise SpecError(f'{what}: a family needs a catalog ("module:attr") listing its members')


def _check_common(spec: AgentSpec | TrainerSpec | EnvSpec) -> None:
    what = f"{type(spec).__name__[:-4].lower()} {spec.name}"
    _check_target(f"{what}: target", spec.target)
    _check_type(f"{what}: description", spec.description, str)
    _check_type(f"{what}: needs", spec.needs, tuple)
    _check_type(f"{what}: install", spec.install, str)


Spec = AgentSpec | TrainerSpec | EnvSpec


def build_spec(cls: type[AgentSpec] | type[TrainerSpec] | type[EnvSpec], args: tuple, kwargs: dict) -> Any:
    """A spec from a `register(...)` call: one spec object, or (name, target, **fields)."""
    if len(args) == 1 and not kwargs and isinstance(args[0], cls):
        return args[0]
    valid = [f.name for f in fields(cls)]
    unknown = sorted(set(kwargs) - set(valid))
    if unknown:
        raise SpecError(
            f"unknown keyword {', '.join(map(repr, unknown))} for {cls.__name__}; valid: {', '.join(valid[2:])}"
        )
    if len(args) > 2:
        raise SpecError(
            f"{cls.__name__} takes a name and a target, then keywords; got {len(args)} positional arguments"
        )
    try:
        return cls(*args, **kwargs)
    except TypeError as exc:  # a missing name or target
        raise SpecError(f"{cls.__name__}: {exc}") from None


def missing_modules(needs: tuple[str, ...]) -> list[str]:
    """The modules of `needs` that cannot be imported here (found without importing them)."""
    import importlib.util

    missing = []
    for module in needs:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(module)
    return missing
