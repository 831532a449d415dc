"""The agent protocol, observations as agents see them, and agent spec strings.

An agent is built once for an env (`Agent(env_info, **params)`), then for each game is
`reset` for its seats with a seed, asked to `act`, optionally `inform`ed of others' moves,
and finally `close`d. Spec strings name an agent and its typed parameters:
``mcts:sims=200,uct_c=1.4``.
"""

from __future__ import annotations

import fnmatch
import inspect
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from arena.envs.base import Env, EnvInfo, ForwardModel, parse_params
from arena.errors import ArenaError


@runtime_checkable
class ObservationProtocol(Protocol):
    """What an agent may read at a decision, wherever it runs: in the referee's process
    (`Observation`), in its own process (`arena.remote.RemoteObservation`) or in a trainer's
    batched games. Agents should annotate with this, not a concrete class."""

    seat: int
    time_left: float | None  # seconds left for this move (per-move limit + bank), or None

    @property
    def legal_actions(self) -> Sequence[int]: ...

    @property
    def legal_mask(self) -> np.ndarray: ...

    @property
    def tensor(self) -> np.ndarray: ...

    def forward_model(self) -> ForwardModel:
        """A private copy of the game state, for agents with `needs_forward_model`."""
        ...

    def action_to_string(self, action: int) -> str: ...


class Observation:
    """One seat's view at one decision. Fields are computed on first use, so an agent
    that never reads the tensor does not pay for it."""

    __slots__ = ("seat", "time_left", "_env", "_legal", "_tensor", "_forward_model")

    def __init__(self, env: Env, seat: int, time_left: float | None, forward_model: bool):
        self.seat = seat
        self.time_left = time_left  # seconds left for this move (per-move limit + bank), or None
        self._env = env
        self._legal: list[int] | None = None
        self._tensor: np.ndarray | None = None
        self._forward_model = forward_model

    @property
    def legal_actions(self) -> list[int]:
        if self._legal is None:
            self._legal = list(self._env.legal_actions(self.seat))
        return self._legal

    @property
    def legal_mask(self) -> np.ndarray:
        mask = np.zeros(self._env.info.num_actions, dtype=bool)
        mask[self.legal_actions] = True
        return mask

    @property
    def tensor(self) -> np.ndarray:
        if self._tensor is None:
            self._tensor = self._env.observation(self.seat)
        return self._tensor

    def forward_model(self) -> ForwardModel:
        """A private copy of the game state (OpenSpiel: a pyspiel.State), for planners."""
        if not self._forward_model:
            raise ArenaError("this agent did not declare needs_forward_model")
        return self._env.clone_state()

    def forward_model_text(self) -> str:
        """The game state as text for an agent in another process (Env.serialize_state)."""
        if not self._forward_model:
            raise ArenaError("this agent did not declare needs_forward_model")
        return self._env.serialize_state()

    def action_to_string(self, action: int) -> str:
        return self._env.action_to_string(self.seat, action)

    def render(self) -> str:
        """The position as this seat may see it, as text (for people at a terminal)."""
        return self._env.render_for(self.seat)


class Agent:
    """Base class of in-process agents. Subclasses implement `act` (one seat) or
    `act_team` (several seats at once, e.g. a five-hero team with shared weights).

    Optionally, an agent whose moves come from a policy exposes it as
    ``action_probabilities(obs) -> dict[action, probability]``: the distribution `act` samples
    from at this decision, over `obs.legal_actions`, without changing the agent's state (no
    random draws). `arena exploitability` asks it at every information state of small games
    (`policy_of` finds it); `random`, `cfr` and `ppo` implement it."""

    needs_forward_model: bool = False  # a class attribute; remote agents learn it per instance
    # True for agents that enforce the move clock themselves (subprocess agents kill an
    # overrunning child); the referee then calls them directly, without a watchdog thread.
    keeps_own_clock: ClassVar[bool] = False

    def __init__(self, env_info: EnvInfo):
        self.env_info = env_info

    def reset(self, seats: tuple[int, ...], seed: int) -> None:
        """A new game starts; this agent plays `seats`."""

    def act(self, obs: ObservationProtocol) -> int:
        raise NotImplementedError

    def act_team(self, observations: Mapping[int, ObservationProtocol]) -> dict[int, int]:
        return {seat: self.act(obs) for seat, obs in observations.items()}

    def inform(self, seat: int, action: int) -> None:
        """Another seat played `action` (turn-based games)."""

    def close(self) -> None:
        pass


def policy_of(agent: Any, name: str = "this agent"):
    """The agent's `action_probabilities` method, or a one-line error naming who has one."""
    probabilities = getattr(agent, "action_probabilities", None)
    if not callable(probabilities):
        raise ArenaError(
            f"{name} exposes no policy: exploitability needs an agent with "
            "action_probabilities(obs), e.g. random, cfr or ppo:checkpoint=PATH"
        )
    return probabilities


@dataclass(frozen=True)
class Requirements:
    """What an agent needs from an env, declared at registration so that listing agents
    and checking specs imports nothing heavy."""

    kind: str | None = None  # TURN_BASED / SIMULTANEOUS, or None for both
    forward_model: bool = False
    players: int | None = None  # exact number of sides
    teams: bool = False  # needs an env with teams
    envs: tuple[str, ...] = ()  # glob patterns over env ids, e.g. ("fivehero/*",)

    def reason_cannot_play(self, env_id: str, kind: str, sides: int, teams: bool, forward_model: bool) -> str | None:
        if self.envs and not any(fnmatch.fnmatch(env_id, p) for p in self.envs):
            return f"plays only {', '.join(self.envs)}"
        if self.kind and kind != self.kind:
            return f"plays only {self.kind} games"
        if self.forward_model and not forward_model:
            return "needs a forward model (a game whose env offers clone_state, see docs/plugins.md)"
        if self.players and sides != self.players:
            return f"plays only {self.players}-player games"
        if self.teams and not teams:
            return "needs a team game"
        return None


def parse_agent_spec(spec: str) -> tuple[str, str]:
    """'mcts:sims=200' -> ('mcts', 'sims=200'); the rest is parsed by the agent's params."""
    name, _, rest = spec.strip().partition(":")
    if not name or not all(c.isalnum() or c in "-_." for c in name):
        raise ArenaError(f"malformed agent spec {spec!r}: expected NAME[:key=value,...]")
    return name, rest


def agent_parameters(factory: Any) -> dict[str, inspect.Parameter]:
    """Typed keyword parameters of an agent class or factory function: those after env_info."""
    fn, skip = (factory.__init__, 2) if isinstance(factory, type) else (factory, 1)  # type: ignore[misc]
    sig = inspect.signature(fn)
    hints = typing.get_type_hints(fn)
    params = {}
    for name, p in list(sig.parameters.items())[skip:]:
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD):
            params[name] = p.replace(annotation=hints.get(name, str))
    return params


def build_params(cls: type, text: str, name: str) -> dict[str, Any]:
    """Parse and type the `key=value` part of a spec against the class's signature."""
    raw_param = getattr(cls, "raw_param", None)  # e.g. cmd:<command line> takes it whole
    if raw_param:
        return {raw_param: text} if text else {}
    allowed = agent_parameters(cls)
    typed = {}
    for key, value in parse_params(text, what=f"agent {name}").items():
        if key not in allowed:
            valid = ", ".join(f"{k}: {_type_name(p.annotation)}" for k, p in allowed.items())
            raise ArenaError(f"agent {name} has no parameter {key!r}; valid: {valid or 'none'}")
        typed[key] = convert_value(value, allowed[key].annotation, f"{name}:{key}")
    missing = [k for k, p in allowed.items() if p.default is p.empty and k not in typed]
    if missing:
        example = ",".join(f"{k}={_placeholder(allowed[k].annotation, k)}" for k in missing)
        raise ArenaError(f"agent {name} needs {', '.join(missing)}: e.g. {name}:{example}")
    return typed


def _placeholder(annotation: Any, key: str) -> str:
    if annotation is Path or "checkpoint" in key or "path" in key:
        return "PATH"
    return _type_name(annotation).upper()


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def convert_value(value: str, annotation: Any, where: str) -> Any:
    """Type one spec value by its annotation (int, float, bool, str, Path, Literal, X | None);
    a bad value is an ArenaError naming `where` and what is valid."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        if value.lower() == "none" and type(None) in args:
            return None
        annotation = next(a for a in args if a is not type(None))
    if typing.get_origin(annotation) is typing.Literal:
        if value not in args:
            raise ArenaError(f"{where} must be one of {', '.join(map(str, args))}, not {value!r}")
        return value
    try:
        if annotation is bool:
            if value.lower() not in _TRUE | _FALSE:
                raise ValueError
            return value.lower() in _TRUE
        if annotation in (int, float, str, Path):
            return annotation(value)
    except ValueError:
        raise ArenaError(f"{where} must be {_type_name(annotation)}, not {value!r}") from None
    return value


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", str(annotation))


_convert = convert_value  # the name before it was public


def split_display_name(arg: str) -> tuple[str | None, str]:
    """'mcts100=mcts:sims=100' -> ('mcts100', 'mcts:sims=100'); a plain spec -> (None, spec).
    A display name comes before the first '=' and holds no ':' (in a spec, '=' follows the ':')."""
    name, sep, spec = arg.partition("=")
    if sep and ":" not in name and name.strip() and spec.strip():
        return name.strip(), spec.strip()
    return None, arg.strip()


def canonical_spec(spec: str, env_id: str | None = None) -> str:
    """One identity per player: parameters typed, defaults filled in from the constructor's
    signature, sorted by name (`minimax` and `minimax:exact_up_to=12,depth=0` are one agent).
    An agent class may also say which parameters are equivalent on an env with a classmethod
    `canonical_params(params, env_id) -> params` (minimax: depth 0 means depth 4 on long games).
    Specs of agents that are not installed, or that take their parameter whole, stay as typed."""
    from arena.plugins import get_registry

    name, rest = parse_agent_spec(spec)
    entry = get_registry().find("agents", name)
    if entry is None:
        return spec.strip()
    factory = entry.load()
    if getattr(factory, "raw_param", None):
        return spec.strip()
    params = {k: p.default for k, p in agent_parameters(factory).items() if p.default is not inspect.Parameter.empty}
    params.update(build_params(factory, rest, name))
    hook = getattr(factory, "canonical_params", None)
    if hook is not None and env_id is not None:
        params = hook(dict(params), env_id)
    text = ",".join(f"{k}={_spec_value(v)}" for k, v in sorted(params.items()))
    return f"{name}:{text}" if text else name


def _spec_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "none" if value is None else str(value)
