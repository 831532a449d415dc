"""The game interface.

Every game, turn-based or simultaneous, looks the same to the referee: a set of *seats*
(OpenSpiel players, PettingZoo agents, heroes), of which `to_move()` names those that act
now, each with its own observation and legal actions. Seats are grouped into *sides*: the
part of the game one agent controls (a single seat, or a whole team).
"""

from __future__ import annotations

import abc
import base64
import pickle
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from arena.errors import ArenaError

TURN_BASED = "turn-based"
SIMULTANEOUS = "simultaneous"


@runtime_checkable
class ForwardModel(Protocol):
    """A game state a planning agent may search: a private copy, so nothing it does touches
    the game being played. The names are OpenSpiel's, so a `pyspiel.State` is one; a Python
    game offers an object with these methods from `Env.clone_state()`.

    Chance (dice, shuffles) is resolved inside `apply_action`/`child`, from the state's own
    random generator; a planner then sees one sampled outcome per call.
    """

    def current_player(self) -> int:
        """The seat to move; a negative number when the game is over."""
        ...

    def legal_actions(self) -> list[int]:
        """Legal actions of the seat to move."""
        ...

    def apply_action(self, action: int) -> None:
        """Play `action` for the seat to move, in place."""
        ...

    def child(self, action: int) -> ForwardModel:
        """A new state: this one after `action`; this one is unchanged."""
        ...

    def clone(self) -> ForwardModel: ...

    def is_terminal(self) -> bool: ...

    def returns(self) -> list[float]:
        """Cumulative reward per seat (the result, once terminal)."""
        ...


@runtime_checkable
class BatchedEnv(Protocol):
    """An optional fast path for trainers (`Env.batched()`): every seat of a simultaneous
    game in one call, as arrays in seat order. It is the same game as the `Env` around it:
    same observations, masks, rewards and results."""

    winner: int | None  # the winning side once decided, -1 for a draw, None while playing

    def reset(self, seed: int) -> Any: ...

    def observe_all(self) -> tuple[np.ndarray, np.ndarray]:
        """Observations (seats, obs_dim) and legal-action masks (seats, num_actions)."""
        ...

    def step_all(self, actions: np.ndarray) -> tuple[np.ndarray, bool, bool]:
        """One action per seat; returns rewards (seats,), terminated, truncated."""
        ...

    def team_state(self, team: int) -> np.ndarray:
        """The whole state in `team`'s frame (a centralised critic's input)."""
        ...


@dataclass(frozen=True)
class EnvInfo:
    id: str
    kind: str  # TURN_BASED or SIMULTANEOUS
    num_seats: int
    num_actions: int
    observation_shape: tuple[int, ...]
    # Seats grouped into teams, e.g. ((0..4), (5..9)); None when every seat plays alone.
    teams: tuple[tuple[int, ...], ...] | None = None
    forward_model: bool = False  # clone_state() returns a ForwardModel for planning agents
    seat_names: tuple[str, ...] = ()
    # Per-seat shapes where seats see differently shaped views (e.g. mpe2 simple_adversary).
    observation_shapes: tuple[tuple[int, ...], ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def observation_shape_of(self, seat: int) -> tuple[int, ...]:
        return self.observation_shapes[seat] if self.observation_shapes else self.observation_shape

    @property
    def sides(self) -> tuple[tuple[int, ...], ...]:
        """The seat groups that one agent each controls."""
        return self.teams if self.teams else tuple((s,) for s in range(self.num_seats))


class Env(abc.ABC):
    """What the referee drives. Adapters implement the abstract methods."""

    info: EnvInfo

    @abc.abstractmethod
    def reset(self, seed: int) -> None:
        """Start a new game; all randomness (chance nodes, spawns) comes from `seed`."""

    @abc.abstractmethod
    def to_move(self) -> Sequence[int]:
        """Seats that must act now: one in turn-based games, all live ones in simultaneous."""

    @abc.abstractmethod
    def observation(self, seat: int) -> np.ndarray:
        """What `seat` may see (its own view in games of imperfect information)."""

    @abc.abstractmethod
    def legal_actions(self, seat: int) -> Sequence[int]:
        """Legal action ids for `seat` now."""

    @abc.abstractmethod
    def step(self, actions: Mapping[int, int]) -> None:
        """Apply one action per seat in `to_move()`."""

    @abc.abstractmethod
    def is_over(self) -> bool: ...

    @abc.abstractmethod
    def returns(self) -> Sequence[float]:
        """Cumulative reward per seat since reset."""

    def rewards(self) -> Sequence[float]:
        """Reward per seat from the last step (trainers use it; default: none)."""
        return [0.0] * self.info.num_seats

    def legal_mask(self, seat: int) -> np.ndarray:
        mask = np.zeros(self.info.num_actions, dtype=bool)
        mask[list(self.legal_actions(seat))] = True
        return mask

    def action_to_string(self, seat: int, action: int) -> str:
        return str(action)

    def render(self) -> str:
        return ""

    def render_for(self, seat: int) -> str:
        """What `seat` may see, as text (the whole position in games of perfect information)."""
        return self.render()

    def clone_state(self) -> ForwardModel:
        """A copy of the full game state for planning agents: a ForwardModel. Override it
        and set `info.forward_model` to offer `mcts` and `minimax` (docs/plugins.md)."""
        raise ArenaError(f"{self.info.id} offers no forward model")

    def exploitability(self, policy: Callable[[Any], Mapping[int, float]]) -> float:
        """How much a best responder wins against `policy` (NashConv / 2), computed exactly over
        every information state; `policy(obs)` gives the action probabilities at one decision
        (an `arena.Observation`). Only games small enough to enumerate offer it."""
        self.check_exploitability()
        raise ArenaError(f"{self.info.id} passes check_exploitability but does not implement exploitability()")

    def check_exploitability(self) -> None:
        """A one-line ArenaError unless `exploitability` can be computed for this game; cheap,
        so callers (trainers, the cfr agent) can ask before any work."""
        raise ArenaError(
            f"exploitability needs a two-player zero-sum OpenSpiel game small enough "
            f"to enumerate (e.g. openspiel/kuhn_poker, openspiel/leduc_poker); "
            f"{self.info.id} is not one"
        )

    def serialize_state(self) -> str:
        """The current state as text, sent to a planning agent in another process, which
        rebuilds it with `deserialize_state` on its own copy of the env. Default: the pickled
        `clone_state()` (the agent process trusts its host); override for a portable form."""
        return base64.b64encode(pickle.dumps(self.clone_state())).decode()

    def deserialize_state(self, text: str) -> ForwardModel:
        """The inverse of `serialize_state`: a ForwardModel."""
        return pickle.loads(base64.b64decode(text))

    def batched(self) -> BatchedEnv | None:
        """A `BatchedEnv` view of this game for trainers, or None (the default)."""
        return None

    def eliminated(self) -> Sequence[int] | None:
        """Seats removed from the game for good so far (soldiers killed in a battle), which
        evaluations count as kills; None (the default) where the env does not track them."""
        return None

    def upstream_test(self) -> None:  # noqa: B027 - optional, default: no family test
        """The game family's own conformance test (OpenSpiel's random_sim_test, PettingZoo's
        api_test, ...), run first by `arena.testing.check_env`; raises on a failure. Default:
        none."""

    def close(self) -> None:  # noqa: B027 - optional, default: nothing to free
        pass


_ENV_ID = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)+)(?::(?P<params>.*))?$")


def parse_env_id(env_id: str) -> tuple[str, dict[str, str]]:
    """'openspiel/breakthrough:rows=6,columns=6' -> ('openspiel/breakthrough', {...})."""
    match = _ENV_ID.match(env_id.strip())
    if not match:
        raise ArenaError(
            f"malformed env id {env_id!r}: expected FAMILY/NAME[:key=value,...], "
            "e.g. openspiel/connect_four or openspiel/breakthrough:rows=6,columns=6"
        )
    return match["name"], parse_params(match["params"], what=f"env {match['name']}")


def format_env_id(name: str, params: Mapping[str, str]) -> str:
    """The inverse of parse_env_id: ('openspiel/breakthrough', {'rows': '6'}) -> '...:rows=6'."""
    return name + (":" + ",".join(f"{k}={v}" for k, v in params.items()) if params else "")


def parse_params(text: str | None, what: str) -> dict[str, str]:
    """'a=1,b=x' -> {'a': '1', 'b': 'x'}; values stay strings for the owner to type."""
    params: dict[str, str] = {}
    if not text:
        return params
    for item in text.split(","):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ArenaError(f"malformed parameter {item!r} for {what}: expected key=value")
        if key in params:
            raise ArenaError(f"parameter {key!r} given twice for {what}")
        params[key] = value.strip()
    return params
