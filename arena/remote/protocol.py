"""The wire protocol: one JSON object per line, with a string "type" (docs/protocol.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from arena.envs.base import EnvInfo
from arena.errors import ArenaError

PROTOCOL_VERSION = 1
SUPPORTED_VERSIONS = (1,)
MAX_AGENT_MESSAGE = 1 << 20  # bytes in one line from an agent: answers are small
MAX_HOST_MESSAGE = 64 << 20  # bytes in one line from the host: observations can be large


class ProtocolError(ArenaError):
    """A line that is not a protocol message."""


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def encode(message: Mapping[str, Any]) -> bytes:
    """One message as one line of compact JSON."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False).encode() + b"\n"


def decode(line: bytes | str, max_bytes: int = MAX_AGENT_MESSAGE) -> dict[str, Any]:
    """Parse one line into a message: a JSON object with a string "type"."""
    if len(line) > max_bytes:
        raise ProtocolError(f"message of {len(line)} bytes, over the {max_bytes}-byte limit")
    try:
        message = json.loads(line, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ProtocolError(f"not a JSON line: {_preview(line)}") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError(f'expected a JSON object with a string "type", got {_preview(line)}')
    return message


def _preview(line: bytes | str) -> str:
    return repr(line[:60]) + ("..." if len(line) > 60 else "")


def env_payload(info: EnvInfo) -> dict[str, Any]:
    """What an agent is told about the game in `reset`."""
    return {
        "id": info.id,
        "kind": info.kind,
        "num_seats": info.num_seats,
        "num_actions": info.num_actions,
        "observation_shape": list(info.observation_shape),
        "teams": [list(t) for t in info.teams] if info.teams else None,
        "forward_model": info.forward_model,
        "seat_names": list(info.seat_names),
    }
