"""The agent side: `serve(agent)` answers the protocol for an in-process `Agent`."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, BinaryIO

import numpy as np

from arena.agents import Agent
from arena.envs.base import Env, ForwardModel
from arena.errors import ArenaError
from arena.remote.protocol import MAX_HOST_MESSAGE, PROTOCOL_VERSION, decode, encode


class RemoteObservation:
    """The agent-side twin of arena.agents.Observation, built from an `act` message."""

    __slots__ = ("seat", "time_left", "legal_actions", "_flat", "_shape", "_state", "_env")

    def __init__(self, view: Mapping[str, Any], time_left: float | None, shape: Sequence[int], env: Env | None):
        self.seat = int(view["seat"])
        self.time_left = time_left
        self.legal_actions = [int(a) for a in view["legal_actions"]]
        self._flat = view.get("observation")
        self._shape, self._state, self._env = tuple(shape), view.get("state"), env

    @property
    def tensor(self) -> np.ndarray:
        if self._flat is None:
            raise ArenaError("this agent's hello asked for no observation")
        return np.asarray(self._flat, dtype=np.float32).reshape(self._shape)

    @property
    def legal_mask(self) -> np.ndarray:
        mask = np.zeros(self._env.info.num_actions if self._env else max(self.legal_actions) + 1, bool)
        mask[self.legal_actions] = True
        return mask

    def forward_model(self) -> ForwardModel:
        if self._state is None or self._env is None:
            raise ArenaError("no forward model: the host sent no state")
        return self._env.deserialize_state(self._state)

    def action_to_string(self, action: int) -> str:
        if self._state is not None and self._env is not None:
            state = self.forward_model()
            if hasattr(state, "action_to_string"):  # OpenSpiel states name their moves
                return state.action_to_string(self.seat, action)
        return str(action)


def _answer(action: Any) -> Any:
    """An action as JSON: ints stay ints; anything else goes as text for the host to judge."""
    if isinstance(action, (bool, np.bool_)):
        return repr(action)
    if isinstance(action, (int, np.integer)):
        return int(action)
    return repr(action)[:80]


def serve(
    agent: Agent,
    *,
    name: str,
    version: str = "",
    env: Env | None = None,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
) -> int:
    """Answer the protocol for `agent` until `quit` or end of input; returns an exit code.
    `env`, the same game built locally, lets forward-model agents plan on the host's state."""
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer

    def send(message: dict) -> None:
        stdout.write(encode(message))
        stdout.flush()

    hello = decode(stdin.readline(), MAX_HOST_MESSAGE)
    if PROTOCOL_VERSION not in (hello.get("protocols") or []):
        send({"type": "error", "message": f"{name} speaks protocol {PROTOCOL_VERSION}, not {hello.get('protocols')}"})
        return 2
    send(
        {
            "type": "hello",
            "name": name,
            "version": version,
            "protocol": PROTOCOL_VERSION,
            "forward_model": bool(agent.needs_forward_model),
        }
    )
    shape = agent.env_info.observation_shape
    while line := stdin.readline():
        message = decode(line, MAX_HOST_MESSAGE)
        kind = message["type"]
        if kind == "quit":
            break
        try:
            reply = _handle(agent, kind, message, shape, env)
        except Exception as exc:  # reported to the host, which forfeits the game
            import traceback

            traceback.print_exc()
            reply = {"type": "error", "message": f"{type(exc).__name__}: {exc}"[:500]}
        if reply is not None:
            send(reply)
    agent.close()
    return 0


def _handle(agent: Agent, kind: str, message: dict, shape, env: Env | None) -> dict | None:
    if kind == "reset":
        agent.reset(tuple(message["seats"]), int(message["seed"]))
        return {"type": "ready"}
    if kind == "act":
        obs = RemoteObservation(message, message.get("time_left"), shape, env)
        return {"type": "action", "action": _answer(agent.act(obs))}
    if kind == "act_team":
        left = message.get("time_left")
        observations = {int(v["seat"]): RemoteObservation(v, left, shape, env) for v in message["observations"]}
        actions = agent.act_team(observations)
        return {"type": "actions", "actions": [[int(s), _answer(a)] for s, a in actions.items()]}
    if kind == "inform":
        agent.inform(int(message["seat"]), int(message["action"]))
    return None  # inform needs no answer; unknown types are ignored (newer hosts)


def protect_stdout() -> BinaryIO:
    """The protocol's own copy of stdout; fd 1 then points at stderr, so a stray print()
    in agent code (or a C library) goes to the log instead of corrupting the protocol."""
    sys.stdout.flush()
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    return channel
