"""Agents in their own processes, speaking JSON lines on stdin/stdout (docs/protocol.md).

One job per module:

- `protocol`: the messages (encode, decode, limits, versions);
- `host`: `SubprocessAgent`, an `Agent` whose decisions come from a child process, with its
  own clock, forfeits classified as timeout, crash or protocol, and restarts;
- `process`: Linux process control (process trees, death with the parent, memory caps),
  guarded so that importing it works on every system;
- `commands`: the `cmd:` spec, `command_agent` for plugins registering an engine by name,
  and `isolated` for running any registered agent in a child (`--isolate`);
- `server`: the agent side, `serve(agent)`.
"""

from arena.remote.commands import CommandAgent, command_agent, isolated, serve_argv
from arena.remote.host import SubprocessAgent
from arena.remote.process import TOKEN_VAR, agent_processes, has_token, kill_tree, process_table
from arena.remote.protocol import (
    MAX_AGENT_MESSAGE,
    MAX_HOST_MESSAGE,
    PROTOCOL_VERSION,
    SUPPORTED_VERSIONS,
    ProtocolError,
    decode,
    encode,
    env_payload,
)
from arena.remote.server import RemoteObservation, protect_stdout, serve

__all__ = [
    "CommandAgent",
    "MAX_AGENT_MESSAGE",
    "MAX_HOST_MESSAGE",
    "PROTOCOL_VERSION",
    "ProtocolError",
    "RemoteObservation",
    "SUPPORTED_VERSIONS",
    "SubprocessAgent",
    "TOKEN_VAR",
    "agent_processes",
    "command_agent",
    "decode",
    "encode",
    "env_payload",
    "has_token",
    "isolated",
    "kill_tree",
    "process_table",
    "protect_stdout",
    "serve",
    "serve_argv",
]
