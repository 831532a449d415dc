"""The plugin manager and the registries it fills.

Order. The core's own plugins come first (`DEFAULT_PLUGINS`, always loaded: the `cmd`
agent), then the first-party plugins shipped in arena-league, then every other entry point
of the `arena` group, sorted by name. The order is the same on every machine.

Names. A name belongs to the first plugin that registers it. A later plugin registering the
same name keeps its entry under the qualified name `PLUGIN.NAME`, with a warning naming both
plugins; every entry can also be reached by its qualified name (`baselines.random`).

Failures. A plugin that fails to import, whose `register_*` hook raises, whose registration
is malformed (arena.specs) or that pluggy rejects (a misspelt hook, a hook argument the spec
lacks) is removed whole: none of its entries, none of its hooks. `arena plugins` lists it
with the reason. ARENA_STRICT_PLUGINS=1 makes any failure fatal: one line, exit code 2.

Selection. ARENA_LOAD_PLUGINS selects entry-point plugins: unset loads all, empty loads
none, a comma list loads those; a name that is not installed is reported with the valid
ones. The core's own plugins load whatever it says.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from arena import hookspecs
from arena.agents import Requirements
from arena.errors import ArenaError
from arena.specs import AgentSpec, EnvSpec, SpecError, TrainerSpec, build_spec, missing_modules

GROUP = "arena"
CORE = "arena"  # the plugin name of the core's own registrations
DEFAULT_PLUGINS = ("arena.builtin",)  # modules whose registrations belong to plugin CORE, loaded first
FIRST_PARTY = "arena-league"  # the distribution whose plugins load before third-party ones

KINDS = {"envs": EnvSpec, "agents": AgentSpec, "trainers": TrainerSpec}
HOOKS = {"envs": "register_envs", "agents": "register_agents", "trainers": "register_trainers"}


@dataclass
class Entry:
    """One registered env, env family, agent or trainer, under the name it is reached by
    (`name`: the bare name, or PLUGIN.NAME when another plugin had it first)."""

    name: str
    spec: Any  # AgentSpec, EnvSpec or TrainerSpec
    plugin: str

    @property
    def target(self) -> str:
        return self.spec.target

    @property
    def description(self) -> str:
        return self.spec.description

    @property
    def qualified(self) -> str:
        return f"{self.plugin}.{self.spec.name}"

    @property
    def meta(self) -> dict[str, Any]:
        """The spec's fields beyond name, target and description (older callers read these)."""
        return {
            f.name: getattr(self.spec, f.name)
            for f in fields(self.spec)
            if f.name not in ("name", "target", "description")
        }

    def missing(self) -> list[str]:
        """Modules this entry needs that are not installed."""
        return missing_modules(self.spec.needs)

    def unavailable(self) -> str | None:
        """Why this entry cannot be used here (a missing extra, with its install command)."""
        missing = self.missing()
        if not missing:
            return None
        how = self.spec.install or f"pip install {' '.join(missing)}"
        return f"needs {', '.join(missing)}: {how}"

    def load(self) -> Any:
        reason = self.unavailable()
        if reason:
            raise ArenaError(f"{self.name} {reason}")
        return load_target(self.target)


@dataclass
class PluginInfo:
    name: str
    version: str | None = None
    registered: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    distribution: str | None = None

    @property
    def loaded(self) -> bool:
        return not self.errors


class Registry:
    """Plugins, and what each registered."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.envs: dict[str, Entry] = {}
        self.agents: dict[str, Entry] = {}
        self.trainers: dict[str, Entry] = {}
        self.problems: list[str] = []  # not tied to one plugin (e.g. ARENA_LOAD_PLUGINS)

    # -- loading -----------------------------------------------------------------------
    def load_defaults(self) -> None:
        """The core's own registrations, whatever ARENA_LOAD_PLUGINS says."""
        from arena import __version__

        info = self.plugins.setdefault(CORE, PluginInfo(CORE, __version__, distribution=FIRST_PARTY))
        for module in DEFAULT_PLUGINS:  # pluggy knows each module by its own name
            if self.pm.get_plugin(module) is None:
                self.add(importlib.import_module(module), module, info)

    def load_entry_points(self, with_defaults: bool = True) -> None:
        if with_defaults:
            self.load_defaults()
        selected = os.environ.get("ARENA_LOAD_PLUGINS")
        wanted = None if selected is None else {s.strip() for s in selected.split(",") if s.strip()}
        found = ordered_entry_points(entry_points(group=GROUP))
        if wanted is not None:
            unknown_names = sorted(wanted - {ep.name for ep in found} - {CORE})
            if unknown_names:
                valid = ", ".join(sorted({ep.name for ep in found})) or "none installed"
                self._problem(
                    f"ARENA_LOAD_PLUGINS names {', '.join(map(repr, unknown_names))}, "
                    f"which is not an installed plugin; installed: {valid}"
                )
        for ep in found:
            if wanted is not None and ep.name not in wanted:
                continue
            dist = ep.dist.metadata["Name"] if ep.dist else None
            info = PluginInfo(ep.name, ep.dist.version if ep.dist else None, distribution=dist)
            if ep.name in self.plugins:
                taken = self.plugins[ep.name]
                info.errors.append(f"plugin name {ep.name!r} is taken by {taken.distribution or 'another plugin'}")
                self.plugins[f"{ep.name} ({dist})"] = info
                self._report(info, info.errors[-1])
                continue
            self.plugins[ep.name] = info
            try:
                plugin = ep.load()
            except Exception as exc:  # a broken plugin must not take the arena down
                self._fail(info, one_line(f"failed to load: {type(exc).__name__}: {exc}"))
                continue
            self.add(plugin, ep.name, info)
        # Plugins by module name, not installed (development, tests): ARENA_PLUGIN_MODULES=a,b
        for module in filter(None, (m.strip() for m in os.environ.get("ARENA_PLUGIN_MODULES", "").split(","))):
            info = self.plugins.setdefault(module, PluginInfo(module))
            try:
                plugin = importlib.import_module(module)
            except Exception as exc:  # noqa: BLE001 - contained like an entry point's failure
                self._fail(info, one_line(f"failed to load: {type(exc).__name__}: {exc}"))
                continue
            self.add(plugin, module, info)

    def add(self, plugin: Any, name: str, info: PluginInfo | None = None) -> bool:
        """Register a plugin object (a module or class with hookimpls) and its entries; all
        or nothing. Returns whether it was added."""
        info = info or self.plugins.setdefault(name, PluginInfo(name))
        staged: list[tuple[str, Any]] = []
        try:
            self.pm.register(plugin, name=name)  # checks hook arguments against the specs
            self.pm.check_pending()  # a misspelt hook name is an error, not silence
            for kind, hook in HOOKS.items():
                for impl in getattr(self.pm.hook, hook).get_hookimpls():
                    if impl.plugin_name == name:
                        impl.function(self._registrar(kind, staged))
            self._check_unique(staged)
        except Exception as exc:
            if self.pm.get_plugin(name) is not None:
                self.pm.unregister(name=name)
            where = "" if isinstance(exc, SpecError) else f"{type(exc).__name__}: "
            self._fail(info, one_line(f"{_hook_of(exc)}{where}{exc}"))
            return False
        for kind, spec in staged:
            self._commit(kind, spec, info)
        return True

    def _registrar(self, kind: str, staged: list[tuple[str, Any]]) -> Callable[..., None]:
        cls = KINDS[kind]

        def register(*args: Any, **kwargs: Any) -> None:
            try:
                staged.append((kind, build_spec(cls, args, kwargs)))
            except SpecError as exc:
                raise SpecError(f"{HOOKS[kind]}: {exc}") from None

        return register

    @staticmethod
    def _check_unique(staged: list[tuple[str, Any]]) -> None:
        seen: set[tuple[str, str]] = set()
        for kind, spec in staged:
            if (kind, spec.name) in seen:
                raise SpecError(f"{HOOKS[kind]}: registers {kind[:-1]} {spec.name!r} twice")
            seen.add((kind, spec.name))

    def _commit(self, kind: str, spec: Any, info: PluginInfo) -> None:
        table: dict[str, Entry] = getattr(self, kind)
        name = spec.name
        if name in table:
            owner = table[name].plugin
            qualified = f"{info.name}.{name}"
            message = (
                f"registers {kind[:-1]} {name!r}, which plugin {owner!r} registered first; "
                f"it is available as {qualified!r}"
            )
            info.warnings.append(message)
            print(f"warning: plugin {info.name!r} {message}", file=sys.stderr)
            name = qualified
        table[name] = Entry(name, spec, info.name)
        info.registered.setdefault(kind, []).append(name)

    def notify(self, hook: str, **kwargs: Any) -> None:
        """Fire an event hook (on_game_end, ...); a plugin that raises is reported, not fatal."""
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            try:
                impl.function(**{k: kwargs[k] for k in impl.argnames})
            except Exception as exc:
                info = self.plugins.setdefault(impl.plugin_name, PluginInfo(impl.plugin_name))
                message = one_line(f"{hook} raised {type(exc).__name__}: {exc}")
                info.warnings.append(message)
                self._report(info, message)

    def remove(self, name: str) -> None:
        """Unregister a plugin and all it registered (tests use this)."""
        if self.pm.get_plugin(name) is not None:
            self.pm.unregister(name=name)
        for table in (self.envs, self.agents, self.trainers):
            for key in [k for k, e in table.items() if e.plugin == name]:
                del table[key]
        self.plugins.pop(name, None)

    def _fail(self, info: PluginInfo, message: str) -> None:
        info.errors.append(message)
        info.registered = {}
        self._report(info, message, "not loaded")

    def _report(self, info: PluginInfo, message: str, consequence: str = "") -> None:
        if os.environ.get("ARENA_STRICT_PLUGINS") == "1":
            raise ArenaError(f"plugin {info.name!r} {message}")
        print(
            f"warning: plugin {info.name!r} {message}" + (f" ({consequence})" if consequence else ""), file=sys.stderr
        )

    def _problem(self, message: str) -> None:
        self.problems.append(message)
        if os.environ.get("ARENA_STRICT_PLUGINS") == "1":
            raise ArenaError(message)
        print(f"warning: {message}", file=sys.stderr)

    # -- lookups -----------------------------------------------------------------------
    def find(self, kind: str, name: str) -> Entry | None:
        """The entry reached by `name`: its own name, or PLUGIN.NAME."""
        table: dict[str, Entry] = getattr(self, kind)
        if name in table:
            return table[name]
        return next((e for e in table.values() if e.qualified == name), None)

    def agent(self, name: str) -> Entry:
        entry = self.find("agents", name)
        if entry is None:
            raise ArenaError(unknown("agent", name, self.agents))
        return entry

    def trainer(self, name: str) -> Entry:
        entry = self.find("trainers", name)
        if entry is None:
            raise ArenaError(unknown("trainer", name, self.trainers))
        return entry

    def requirements(self, name: str) -> Requirements:
        return self.agent(name).spec.requires


def ordered_entry_points(eps: Iterable[EntryPoint]) -> list[EntryPoint]:
    """First-party plugins first, then the rest; each by name, then by distribution."""

    def key(ep: EntryPoint) -> tuple[int, str, str]:
        dist = _normalise(ep.dist.metadata["Name"]) if ep.dist else ""
        return (0 if dist == FIRST_PARTY else 1, ep.name, dist)

    unique = {(ep.name, ep.value, _normalise(ep.dist.metadata["Name"]) if ep.dist else ""): ep for ep in eps}
    return sorted(unique.values(), key=key)


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _hook_of(exc: BaseException) -> str:
    """'register_agents: ' when the error came from a register hook's own code."""
    if isinstance(exc, SpecError):
        return ""
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_name
        if name in HOOKS.values():
            return f"{name} raised "
        tb = tb.tb_next
    return ""


def one_line(text: str, limit: int = 400) -> str:
    """Messages about plugins are one line: pluggy's validation errors span several."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def unknown(kind: str, name: str, valid: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(valid), n=3)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    listing = "arena envs" if kind == "env" else "arena agents" if kind == "agent" else "arena plugins"
    return f"unknown {kind} {name!r}; {hint}see `{listing}` for the valid ones"


def load_target(target: str) -> Any:
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


_registry: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, loaded from entry points on first use."""
    global _registry
    if _registry is None:
        _registry = Registry()
        _registry.load_entry_points()
    return _registry
