"""The plugin manager and the registries it fills.

Entry points in the `arena` group are loaded one at a time: a plugin that fails to import
or to register is skipped and reported (`arena plugins`), never fatal, unless
ARENA_STRICT_PLUGINS=1. ARENA_LOAD_PLUGINS selects plugins: unset loads all, empty loads
none, a comma list loads those. The bundled games and agents arrive this same way.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Callable

import pluggy

from arena import hookspecs
from arena.agents import Requirements
from arena.errors import ArenaError

GROUP = "arena"


@dataclass
class Entry:
    """One registered env, env family, agent or trainer."""

    name: str
    target: str  # "module:attr", imported on first use
    plugin: str
    description: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def load(self) -> Any:
        return load_target(self.target)


@dataclass
class PluginInfo:
    name: str
    version: str | None = None
    registered: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


class Registry:
    """Plugins, and what each registered."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.envs: dict[str, Entry] = {}
        self.agents: dict[str, Entry] = {}
        self.trainers: dict[str, Entry] = {}

    # -- loading -----------------------------------------------------------------------
    def load_entry_points(self) -> None:
        selected = os.environ.get("ARENA_LOAD_PLUGINS")
        wanted = None if selected is None else {s.strip() for s in selected.split(",") if s.strip()}
        for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
            if wanted is not None and ep.name not in wanted:
                continue
            info = PluginInfo(ep.name, ep.dist.version if ep.dist else None)
            self.plugins[ep.name] = info
            try:
                self.add(ep.load(), ep.name, info)
            except Exception as exc:  # a broken plugin must not take the arena down
                self._fail(info, f"failed to load: {type(exc).__name__}: {exc}")
        # Plugins by module name, not installed (development, tests): ARENA_PLUGIN_MODULES=a,b
        for module in filter(None, (m.strip() for m in os.environ.get("ARENA_PLUGIN_MODULES", "").split(","))):
            info = self.plugins.setdefault(module, PluginInfo(module))
            try:
                self.add(importlib.import_module(module), module, info)
            except Exception as exc:  # noqa: BLE001 - contained like an entry point's failure
                self._fail(info, f"failed to load: {type(exc).__name__}: {exc}")

    def add(self, plugin: Any, name: str, info: PluginInfo | None = None) -> None:
        """Register a plugin object (a module or class with hookimpls) and its entries."""
        info = info or self.plugins.setdefault(name, PluginInfo(name))
        self.pm.register(plugin, name=name)
        self.pm.check_pending()  # a misspelt hook name is an error, not silence
        for hook, table, kind in (
            ("register_envs", self.envs, "envs"),
            ("register_agents", self.agents, "agents"),
            ("register_trainers", self.trainers, "trainers"),
        ):
            for impl in getattr(self.pm.hook, hook).get_hookimpls():
                if impl.plugin_name != name:
                    continue
                try:  # called one plugin at a time so that one failure stays contained
                    impl.function(self._registrar(table, kind, info))
                except Exception as exc:
                    self._fail(info, f"{hook} raised {type(exc).__name__}: {exc}")

    def notify(self, hook: str, **kwargs: Any) -> None:
        """Fire an event hook (on_game_end, ...); a plugin that raises is reported, not fatal."""
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            try:
                impl.function(**{k: kwargs[k] for k in impl.argnames})
            except Exception as exc:
                info = self.plugins.setdefault(impl.plugin_name, PluginInfo(impl.plugin_name))
                self._fail(info, f"{hook} raised {type(exc).__name__}: {exc}")

    def remove(self, name: str) -> None:
        """Unregister a plugin and all it registered (tests use this)."""
        plugin = self.pm.get_plugin(name)
        if plugin is not None:
            self.pm.unregister(plugin)
        for table in (self.envs, self.agents, self.trainers):
            for key in [k for k, e in table.items() if e.plugin == name]:
                del table[key]
        self.plugins.pop(name, None)

    def _registrar(self, table: dict[str, Entry], kind: str, info: PluginInfo) -> Callable:
        def register(name: str, target: str, *, description: str = "", **meta: Any) -> None:
            if name in table and table[name].plugin != info.name:
                raise ArenaError(
                    f"{kind[:-1]} {name!r} is registered by both plugin "
                    f"{table[name].plugin!r} and plugin {info.name!r}"
                )
            table[name] = Entry(name, target, info.name, description, meta)
            info.registered.setdefault(kind, []).append(name)

        return register

    def _fail(self, info: PluginInfo, message: str) -> None:
        info.errors.append(message)
        if os.environ.get("ARENA_STRICT_PLUGINS") == "1":
            raise ArenaError(f"plugin {info.name!r} {message}")
        print(f"warning: plugin {info.name!r} {message} (skipped)", file=sys.stderr)

    # -- lookups -----------------------------------------------------------------------
    def agent(self, name: str) -> Entry:
        if name not in self.agents:
            raise ArenaError(unknown("agent", name, self.agents))
        return self.agents[name]

    def trainer(self, name: str) -> Entry:
        if name not in self.trainers:
            raise ArenaError(unknown("trainer", name, self.trainers))
        return self.trainers[name]

    def requirements(self, name: str) -> Requirements:
        return self.agent(name).meta.get("requires") or Requirements()


def unknown(kind: str, name: str, valid) -> str:
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
