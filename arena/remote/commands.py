"""Specs that run agents in their own processes: `cmd:<command line>`, engines a plugin
registers by name (`command_agent`), and any registered agent isolated through
`arena serve-agent`."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from arena.envs.base import EnvInfo
from arena.errors import ArenaError
from arena.remote.host import SubprocessAgent
from arena.remote.process import memory_limit_mb


def _resolve(argv: list[str]) -> list[str]:
    """Check the program exists and is executable, with a one-line error if not."""
    if not argv:
        raise ArenaError("cmd: needs a command line, e.g. cmd:python3 my_bot.py")
    program = argv[0]
    if os.sep in program:
        if not os.path.isfile(program):
            raise ArenaError(f"cmd: no such file {program!r}")
        if not os.access(program, os.X_OK):
            raise ArenaError(
                f"cmd: {program!r} is not executable (chmod +x it, or run it "
                f"through its interpreter, e.g. cmd:python3 {program})"
            )
        return argv
    found = shutil.which(program)
    if not found:
        raise ArenaError(f"cmd: no program {program!r} on PATH; give a path or an installed program")
    return [found, *argv[1:]]


def _memory_from_env() -> int | None:
    return memory_limit_mb()


class CommandAgent(SubprocessAgent):
    """`cmd:<command line>`: any executable speaking the protocol, quoted as in a shell.
    ARENA_AGENT_MEMORY_MB sets a memory limit, ARENA_AGENT_LOGS the folder of stderr logs."""

    raw_param = "command"  # the spec's text after "cmd:" is the command line, whole

    def __init__(self, env_info: EnvInfo, command: str = ""):
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise ArenaError(f"cmd: cannot parse command line {command!r}: {exc}") from None
        super().__init__(env_info, _resolve(argv), name=Path(argv[0]).name, memory_mb=_memory_from_env())


def command_agent(command: str | Sequence[str], name: str | None = None) -> type[SubprocessAgent]:
    """For plugins: an agent class running a fixed command, to register by name, e.g.
    `my_engine = command_agent("my-engine --protocol")` then
    `register("my-engine", "my_plugin:my_engine")`."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)

    class Engine(SubprocessAgent):
        def __init__(self, env_info: EnvInfo):
            super().__init__(env_info, _resolve(argv), name=name or Path(argv[0]).name, memory_mb=_memory_from_env())

    Engine.__name__ = Engine.__qualname__ = f"Engine_{re.sub(r'[^A-Za-z0-9_]', '_', name or argv[0])}"
    return Engine


def serve_argv(spec: str, env_id: str) -> list[str]:
    """The command that serves a registered agent over the protocol."""
    return [sys.executable, "-m", "arena", "serve-agent", spec, "--game", env_id]


def isolated(spec: str, env_id: str, **options: Any) -> SubprocessAgent:
    """Any agent spec, run in its own process through `arena serve-agent` (--isolate)."""
    from arena.agents import parse_agent_spec
    from arena.api import cannot_play, make_env
    from arena.plugins import get_registry

    env_info = options.pop("env_info", None) or make_env(env_id).info
    name, _ = parse_agent_spec(spec)
    factory = get_registry().agent(name).load()  # unknown agents fail here, with the usual hint
    if isinstance(factory, type) and issubclass(factory, SubprocessAgent):
        from arena.api import make_agent

        agent = make_agent(spec, env_info)  # in its own process already
        assert isinstance(agent, SubprocessAgent)
        return agent
    reason = cannot_play(name, env_info)
    if reason:
        raise ArenaError(f"agent {name} cannot play {env_info.id}: it {reason}")
    return SubprocessAgent(env_info, serve_argv(spec, env_id), name=spec, **options)
