"""The referee: plays one game between agents and returns its record.

Same env, agents and seed give the same record. Each agent gets its own seed derived from
the game's. An agent that raises, returns an illegal action or overruns its clock forfeits
the game with the reason recorded; the referee itself never raises for an agent's fault.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from arena.agents import Agent, Observation
from arena.envs.base import Env
from arena.errors import ArenaError, NoMoreInput

if TYPE_CHECKING:
    from arena.cpuwait import SchedStat

NORMAL, ILLEGAL, TIMEOUT, CRASH, PROTOCOL = "normal", "illegal", "timeout", "crash", "protocol"


@dataclass
class GameRecord:
    env_id: str
    seed: int
    players: list[str]  # agent name (spec) per side
    sides: list[list[int]]  # the seats each player controls
    moves: list[list[list[int]]] = field(default_factory=list)  # per step: [[seat, action], ...]
    latencies: list[float] = field(default_factory=list)  # seconds per act call
    returns: list[float] = field(default_factory=list)  # cumulative reward per seat
    scores: list[float] = field(default_factory=list)  # per player: 1 win, ½ draw, 0 loss
    termination: str = NORMAL  # normal | illegal | timeout | crash | protocol
    forfeit_player: int | None = None
    reason: str = ""

    @property
    def plies(self) -> int:
        return len(self.moves)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GameRecord:
        return cls(**data)


class Forfeit(Exception):
    def __init__(self, termination: str, reason: str):
        super().__init__(reason)
        self.termination, self.reason = termination, reason


def play(
    env: Env,
    agents: Sequence[Agent],
    seed: int = 0,
    *,
    names: Sequence[str] | None = None,
    time_per_move: float | None = None,
    time_bank: float = 0.0,
    on_step: Callable[[Env, GameRecord], None] | None = None,
    on_call: Callable[[int | None], None] | None = None,
) -> GameRecord:
    """Play one game; agents[i] controls env.info.sides[i]. `on_call(i)` runs before each
    call into agent i's code and `on_call(None)` after it (a worker process notes there whom
    to blame if agent code kills it)."""
    sides = env.info.sides
    if len(agents) != len(sides):
        raise ArenaError(f"{env.info.id} needs {len(sides)} agents (one per side), got {len(agents)}")
    names = list(names or [type(a).__name__ for a in agents])
    record = GameRecord(env.info.id, seed, names, [list(s) for s in sides])
    env_seed, *agent_seeds = np.random.SeedSequence(seed).generate_state(len(agents) + 1)
    owner = {seat: i for i, side in enumerate(sides) for seat in side}
    clocks = [_Clock(time_per_move, time_bank, i, on_call) for i in range(len(agents))]
    # Only agents that override inform() are told of others' moves (saves a call per ply).
    listeners = [i for i, a in enumerate(agents) if type(a).inform is not Agent.inform]
    solo = [len(side) == 1 for side in sides]
    env.reset(int(env_seed))
    try:
        with _sigint_counted():
            _play(env, agents, sides, owner, clocks, listeners, solo, agent_seeds, record, on_step)
    finally:
        for clock in clocks:
            clock.close()
    record.returns = [float(r) for r in env.returns()]
    if record.forfeit_player is None:
        record.scores = scores_from_returns(record.returns, sides)
    return record


def _play(env, agents, sides, owner, clocks, listeners, solo, agent_seeds, record, on_step) -> None:
    player = 0  # whose turn it is to answer, for blaming a forfeit
    try:
        for player, agent in enumerate(agents):
            clocks[player].call(agent.reset, tuple(sides[player]), int(agent_seeds[player]))
        while not env.is_over():
            joint: dict[int, int] = {}
            for player, seats in _group(env.to_move(), owner):
                joint.update(_ask(env, agents[player], seats, clocks[player], record, solo[player]))
            env.step(joint)
            record.moves.append([[s, a] for s, a in joint.items()])
            for player in listeners:
                for seat, action in joint.items():
                    if owner[seat] != player:
                        clocks[player].call(agents[player].inform, seat, action)
            if on_step:
                on_step(env, record)
    except Forfeit as f:
        _forfeit(record, player, f.termination, f.reason)


def forfeit_record(
    env_id: str, seed: int, names: Sequence[str], sides, player: int, termination: str, reason: str
) -> GameRecord:
    """The record of a game lost before or while it was played, e.g. by an agent that could
    not start or whose code killed the process playing it."""
    record = GameRecord(env_id, seed, list(names), [list(s) for s in sides])
    record.returns = [0.0] * sum(len(s) for s in sides)
    _forfeit(record, player, termination, reason)
    return record


# -- telling an agent's KeyboardInterrupt from the user's Ctrl-C ------------------------------

_sigints = 0  # SIGINTs delivered to this process while a game was being played


@contextlib.contextmanager
def _sigint_counted():
    """Count real SIGINTs (then do what the handler in place did), so that a KeyboardInterrupt
    that agent code raised itself is its crash, and the user's Ctrl-C still stops the arena."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if getattr(previous, "counts_sigints", False) or not callable(previous):
        yield  # already counting (a nested game), or SIGINT ignored / default-killed
        return

    def handler(signum, frame):
        global _sigints
        _sigints += 1
        previous(signum, frame)

    handler.counts_sigints = True
    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _users_interrupt(exc: BaseException, sigints_before: int) -> bool:
    if not isinstance(exc, KeyboardInterrupt):
        return False
    handler = signal.getsignal(signal.SIGINT)
    if getattr(handler, "counts_sigints", False):
        return _sigints != sigints_before
    # Not counted (a game outside the main thread): assume the user's, unless SIGINT is ignored.
    return handler is not signal.SIG_IGN


def _group(movers: Sequence[int], owner: dict[int, int]):
    """Movers grouped by the player who controls them (fast path for one mover)."""
    if len(movers) == 1:
        return ((owner[movers[0]], movers),)
    groups: dict[int, list[int]] = {}
    for seat in movers:
        groups.setdefault(owner[seat], []).append(seat)
    return groups.items()


def _ask(env: Env, agent: Agent, seats, clock: _Clock, record: GameRecord, solo: bool) -> dict[int, int]:
    """One decision of one player: `act` for a single-seat player, `act_team` for a team."""
    fm = agent.needs_forward_model
    left = clock.left()
    if solo:
        seat = seats[0]
        obs = Observation(env, seat, left, fm)
        action = clock.call(agent.act, obs)
        record.latencies.append(clock.last)
        return {seat: _check(obs, action)}
    observations = {seat: Observation(env, seat, left, fm) for seat in seats}
    actions = clock.call(agent.act_team, observations)
    record.latencies.append(clock.last)
    try:  # keys whose hash or comparison raises are the agent's fault too
        wellformed = isinstance(actions, dict) and set(actions) == set(seats)
    except Exception:  # noqa: BLE001
        wellformed = False
    if not wellformed:
        raise Forfeit(ILLEGAL, f"act_team must return one action for each of seats {list(seats)}")
    return {seat: _check(observations[seat], action) for seat, action in actions.items()}


def _check(obs: Observation, action: Any) -> int:
    if isinstance(action, np.integer):
        action = int(action)
    if type(action) is not int or action not in obs.legal_actions:
        raise Forfeit(ILLEGAL, f"seat {obs.seat} played {repr(action)[:80]}, not a legal action")
    return action


def _forfeit(record: GameRecord, player: int, termination: str, reason: str) -> None:
    record.termination, record.forfeit_player, record.reason = termination, player, reason
    record.scores = [0.0 if i == player else 1.0 for i in range(len(record.players))]


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:500] if text else type(exc).__name__


def scores_from_returns(returns: Sequence[float], sides) -> list[float]:
    """Score per player from total returns: the fraction of other players beaten, draws
    counting half (1 / ½ / 0 in two-player games). A lone player scores its return."""
    totals = [sum(returns[s] for s in side) for side in sides]
    n = len(totals)
    if n == 1:
        return [totals[0]]
    return [
        sum(1.0 if t > u else 0.5 if t == u else 0.0 for j, u in enumerate(totals) if j != i) / (n - 1)
        for i, t in enumerate(totals)
    ]


class _Clock:
    """A per-move limit plus a time bank (Kaggle style): time over the per-move limit is
    drawn from the bank; over both, the move is a timeout. Without a limit the agent is
    called directly; with one, in a watchdog thread so that even an agent that never
    returns loses on time instead of hanging the arena."""

    def __init__(
        self, per_move: float | None, bank: float, player: int = 0, on_call: Callable[[int | None], None] | None = None
    ):
        self.per_move, self.bank, self.last = per_move, bank, 0.0
        self.player, self.on_call = player, on_call
        self._worker: _Worker | None = None

    def left(self) -> float | None:
        return None if self.per_move is None else self.per_move + self.bank

    def close(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def call(self, fn: Callable, *args: Any) -> Any:
        if self.on_call is None:
            return self._call(fn, args)
        self.on_call(self.player)
        try:
            return self._call(fn, args)
        finally:
            self.on_call(None)

    def _call(self, fn: Callable, args: tuple) -> Any:
        start = time.perf_counter()
        owner = getattr(fn, "__self__", None)
        # Agents that keep their own clock (subprocesses: killed on overrun) need no thread.
        if self.per_move is None or getattr(owner, "keeps_own_clock", False):
            sigints = _sigints
            try:
                result = fn(*args)
            except (Forfeit, NoMoreInput):
                raise  # the agent classified its own failure (e.g. protocol, timeout), or its person left
            except BaseException as exc:  # SystemExit, KeyboardInterrupt... from agent code
                if _users_interrupt(exc, sigints):
                    raise
                raise Forfeit(CRASH, _describe(exc)) from exc
            # A subprocess agent charges only the time it had a CPU for (see remote.host).
            charged = getattr(owner, "charged", None)
            self.last = charged if charged is not None else time.perf_counter() - start
            if self.per_move is None:
                return result
            return self._charge(result)
        if self._worker is None:
            self._worker = _Worker()
        limit = self.per_move + self.bank
        ok, result = self._worker.run(fn, args, limit)
        # Time the agent's thread (or this one) waited for a core is not charged (cpuwait).
        self.last = max(0.0, time.perf_counter() - start - self._worker.excused)
        if ok is None:
            _abandoned.append(self._worker)  # still stuck in the agent's code
            self._worker.abandon()
            self._worker = None
            raise Forfeit(TIMEOUT, f"no answer within {limit:.3g}s")
        if not ok:
            if isinstance(result, (Forfeit, NoMoreInput)):
                raise result
            raise Forfeit(CRASH, _describe(result))
        return self._charge(result)

    def _charge(self, result: Any) -> Any:
        """Draw time over the per-move limit from the bank; over both is a timeout."""
        assert self.per_move is not None  # only moves under a limit are charged
        limit = self.per_move + self.bank
        if self.last > limit:
            raise Forfeit(TIMEOUT, f"answered in {self.last:.3g}s, over the {limit:.3g}s left")
        self.bank -= max(0.0, self.last - self.per_move)
        return result


class _Worker:
    """A daemon thread that runs agent calls, so a stuck one can be abandoned."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.results: queue.SimpleQueue = queue.SimpleQueue()
        self.busy = self.abandoned = False
        self.excused = 0.0  # run-queue seconds of the last call, left uncharged
        self.sched: SchedStat | None = None  # this worker thread's CPU and run-queue times
        self.caller: SchedStat | None = None  # the calling thread's
        started = threading.Event()
        threading.Thread(target=self._loop, args=(started,), daemon=True).start()
        started.wait()

    def _loop(self, started: threading.Event) -> None:
        from arena.cpuwait import SchedStat

        self.sched = sched = SchedStat("self", threading.get_native_id())
        started.set()
        while True:
            fn, args = self.jobs.get()
            if fn is None:  # stop(): the game is over
                sched.close()
                return
            self.busy = True
            try:
                self.results.put((True, fn(*args)))
            except BaseException as exc:  # noqa: BLE001 - reported as the agent's crash
                self.results.put((False, exc))
            finally:
                self.busy = False
            if self.abandoned:  # its caller gave up on it: nothing more will come
                sched.close()
                return

    def stop(self) -> None:
        self.jobs.put((None, None))
        if self.caller is not None:
            self.caller.close()

    def abandon(self) -> None:
        self.abandoned = True
        if self.caller is not None:
            self.caller.close()

    def run(self, fn: Callable, args: tuple, timeout: float) -> tuple[bool | None, Any]:
        """The call's (ok, result), or (None, None) when it is late; waits for a core (of the
        agent's thread and of this one) move the deadline as for subprocess agents."""
        from arena.cpuwait import SchedStat, later_deadline

        if self.caller is None:
            self.caller = SchedStat("self", threading.get_native_id())
        start, before = time.monotonic(), self._waits()
        deadline = start + timeout
        self.jobs.put((fn, args))
        while True:
            try:
                result = self.results.get(timeout=max(0.0, deadline - time.monotonic()))
                self.excused = min(self._waits()[1] - before[1], timeout + 1.0)
                return result
            except queue.Empty:
                on_cpu, waited = self._waits()
                assert self.sched is not None  # set before the worker thread started
                later = later_deadline(
                    start, timeout, time.monotonic(), waited - before[1], on_cpu - before[0], self.sched.runnable()
                )
                if later is None:
                    self.excused = 0.0
                    return None, None
                deadline = later

    def _waits(self) -> tuple[float, float]:
        assert self.sched is not None and self.caller is not None
        on_cpu, waited = self.sched()
        return on_cpu, waited + self.caller()[1]


_abandoned: list[_Worker] = []  # workers left behind on a timeout


def stuck_threads() -> int:
    """How many abandoned agent threads are still inside an agent's call."""
    _abandoned[:] = [w for w in _abandoned if w.busy]
    return len(_abandoned)
