"""Property-based tests of the three parsers a user or a stranger's program can feed:
protocol messages, agent specs, env ids."""

from __future__ import annotations

import json
from typing import Literal

from hypothesis import given, settings
from hypothesis import strategies as st

from arena.agents import build_params, parse_agent_spec
from arena.envs.base import parse_env_id
from arena.errors import ArenaError
from arena.remote import CommandAgent, ProtocolError, decode, encode

settings.register_profile("arena", max_examples=200, deadline=None)
settings.load_profile("arena")

# -- protocol messages ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
messages = st.builds(lambda kind, rest: {**rest, "type": kind},
                     st.text(min_size=1, max_size=12), st.dictionaries(st.text(max_size=8), json_values, max_size=5))


@given(messages)
def test_every_message_survives_a_round_trip_on_one_line(message):
    line = encode(message)
    assert line.endswith(b"\n") and b"\n" not in line[:-1]
    assert decode(line) == message


@given(st.binary(max_size=300))
def test_any_bytes_parse_to_a_message_or_a_protocol_error(data):
    try:
        message = decode(data)
    except ProtocolError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(message, dict) and isinstance(message["type"], str)


@given(st.text(max_size=200))
def test_any_text_parses_to_a_message_or_a_protocol_error(text):
    try:
        message = decode(text)
    except ProtocolError:
        return
    assert message == json.loads(text)


@given(messages, st.integers(min_value=1, max_value=200))
def test_the_size_limit_is_exact(message, limit):
    line = encode(message)
    try:
        decode(line, max_bytes=limit)
    except ProtocolError as exc:
        assert len(line) > limit and "byte limit" in str(exc)
    else:
        assert len(line) <= limit


# -- agent specs ---------------------------------------------------------------------------------

names = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABC0123456789-_."), min_size=1, max_size=20)


@given(names, st.text(max_size=40))
def test_a_spec_splits_at_its_first_colon(name, rest):
    parsed = parse_agent_spec(f"{name}:{rest}")
    assert parsed[0] == name
    assert parsed[1] == f"{name}:{rest}".strip().partition(":")[2]


@given(st.text(max_size=40))
def test_any_spec_parses_or_fails_with_a_one_line_error(spec):
    try:
        name, _ = parse_agent_spec(spec)
    except ArenaError as exc:
        assert "\n" not in str(exc) and "expected NAME" in str(exc)
    else:
        assert name and all(c.isalnum() or c in "-_." for c in name)


@given(st.text(max_size=80))
def test_cmd_takes_the_whole_command_line(text):
    assert build_params(CommandAgent, text, "cmd") == ({"command": text} if text else {})


class Typed:
    def __init__(self, env_info, sims: int = 1, c: float = 1.0, solve: bool = False, label: str = "",
                 mode: Literal["fast", "slow"] = "fast", limit: int | None = None):
        pass


plain_text = st.text(st.characters(blacklist_characters=",=", blacklist_categories=("Cs", "Zs", "Cc")),
                     max_size=10).filter(lambda s: s == s.strip() and s.lower() != "none")
values = st.fixed_dictionaries({}, optional={
    "sims": st.integers(-10**9, 10**9),
    "c": st.floats(allow_nan=False, allow_infinity=False, width=32),
    "solve": st.booleans(),
    "label": plain_text,
    "mode": st.sampled_from(["fast", "slow"]),
    "limit": st.none() | st.integers(0, 1000),
})


@given(values)
def test_typed_parameters_round_trip(params):
    text = ",".join(f"{k}={'none' if v is None else v}" for k, v in params.items())
    assert build_params(Typed, text, "typed") == params


@given(st.text(max_size=40))
def test_any_parameter_text_is_typed_or_fails_in_one_line(text):
    try:
        params = build_params(Typed, text, "typed")
    except ArenaError as exc:
        assert "\n" not in str(exc)
    else:
        assert set(params) <= {"sims", "c", "solve", "label", "mode", "limit"}


# -- env ids -------------------------------------------------------------------------------------

segments = st.text(st.sampled_from("abcxyz019_.-"), min_size=1, max_size=10)
keys = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)


@given(st.lists(segments, min_size=2, max_size=4),
       st.dictionaries(keys, st.text(st.sampled_from("abc123.-_ "), max_size=6).map(str.strip), max_size=4))
def test_env_ids_round_trip(parts, params):
    name = "/".join(parts)
    env_id = name + (":" + ",".join(f"{k}={v}" for k, v in params.items()) if params else "")
    assert parse_env_id(env_id) == (name, params)


@given(st.text(max_size=60))
def test_any_env_id_parses_or_fails_with_a_one_line_error(text):
    try:
        name, params = parse_env_id(text)
    except ArenaError as exc:
        assert "\n" not in str(exc)  # the input is quoted with repr
        assert str(exc).startswith(("malformed", "parameter"))
    else:
        assert "/" in name and all(k.isidentifier() for k in params)
