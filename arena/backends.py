"""Where games are played: in this process, in a pool of local worker processes, or as Ray tasks.

Every backend runs the same `play_job` and hands finished records back to the one process
that writes the store; a worker never touches the database. Workers build each agent once
per spec and reuse it for all their games (an agent is `reset` with the game's seed, so reuse
does not change results), with one torch thread each.
"""

from __future__ import annotations

import atexit
import json
import logging
import multiprocessing
import os
import queue
import shutil
import signal
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from arena import _warm
from arena.agents import Agent, ObservationProtocol
from arena.envs.base import Env
from arena.errors import ArenaError
from arena.referee import CRASH, TIMEOUT, GameRecord, forfeit_record, play

THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@dataclass(frozen=True)
class Settings:
    """Everything a worker needs to play any game of a tournament."""

    env_id: str
    time_per_move: float | None = None
    time_bank: float = 0.0
    opening_plies: int = 0
    isolate: bool = False  # every agent in its own process, through `arena serve-agent`
    render: bool = False  # print the game after every move (`arena play --render`)


@dataclass(frozen=True)
class Job:
    """One game: its key in the tournament, its seed and the agent spec of each side."""

    key: str
    seed: int
    players: tuple[str, ...]


# -- playing one game (runs in whichever process the backend chose) ---------------------------


class OpeningAgent(Agent):
    """Plays the first `plies` moves of a game uniformly at random from the game's seed, then
    hands over to the wrapped agent. The move at ply t depends only on (seed, t), so both games
    of a seat-swapped pair open identically, and the moves land in the record like any other
    (replays need nothing extra). The wrapped agent is `inform`ed of the forced moves it did
    not choose, so agents that track the game through `inform` stay in sync."""

    def __init__(self, inner: Agent, plies: int):
        super().__init__(inner.env_info)
        self.inner, self.plies = inner, plies
        self.needs_forward_model = inner.needs_forward_model
        self.game_seed, self.ply = 0, 0

    def reset(self, seats, seed):
        self.ply = 0
        self.inner.reset(seats, seed)

    def _random(self, obs: ObservationProtocol) -> int:
        legal = obs.legal_actions
        return int(legal[int(np.random.default_rng([self.game_seed, self.ply, obs.seat]).integers(len(legal)))])

    def act(self, obs: ObservationProtocol) -> int:
        if self.ply >= self.plies:
            action = self.inner.act(obs)
        else:
            action = self._random(obs)
            self.inner.inform(obs.seat, action)
        self.ply += 1
        return action

    def act_team(self, observations: Mapping[int, ObservationProtocol]) -> dict[int, int]:
        if self.ply >= self.plies:
            actions = self.inner.act_team(observations)
        else:
            actions = {seat: self._random(obs) for seat, obs in observations.items()}
            for seat, action in actions.items():
                self.inner.inform(seat, action)
        self.ply += 1
        return actions

    def inform(self, seat: int, action: int) -> None:
        self.ply += 1
        self.inner.inform(seat, action)

    def close(self) -> None:
        self.inner.close()


class _Cache:
    """This process's env and agents, built on first use and reused for every game."""

    GIVE_UP = 3  # consecutive failed starts of a spec before its games are forfeited untried

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.env: Env | None = None
        self.agents: dict[str, Agent] = {}
        self.failed: dict[str, tuple[int, str]] = {}  # spec -> (failed starts in a row, last reason)
        atexit.register(self.clear)

    def clear(self) -> None:
        for agent in self.agents.values():
            try:
                agent.close()
            except Exception:  # noqa: BLE001 - closing must not mask the run's own outcome
                pass
        self.agents.clear()

    def prepare(self, settings: Settings) -> Env:
        from arena.api import make_env

        if settings != self.settings or self.env is None:
            self.clear()
            self.settings, self.env = settings, make_env(settings.env_id)
        return self.env

    def agent(self, spec: str) -> Agent:
        if spec not in self.agents:
            failures, reason = self.failed.get(spec, (0, ""))
            if failures >= self.GIVE_UP:
                raise ArenaError(f"gave up after {failures} failed starts ({reason})")
            try:
                self.agents[spec] = self._build(spec)
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - agent code: its own loss
                reason = (
                    " ".join(str(exc).split())
                    if isinstance(exc, ArenaError)
                    else f"{type(exc).__name__}: {' '.join(str(exc).split())}"
                )
                self.failed[spec] = (failures + 1, reason[:300])
                raise ArenaError(reason[:300]) from None
            self.failed.pop(spec, None)
            one_torch_thread()
        return self.agents[spec]

    def _build(self, spec: str) -> Agent:
        from arena.api import make_agent

        settings, env = self.settings, self.env
        assert settings is not None and env is not None, "prepare() comes first"
        agent: Agent
        if settings.isolate:
            from arena.remote import isolated

            agent = isolated(spec, settings.env_id, env_info=env.info)
        else:
            agent = make_agent(spec, env)
        if settings.opening_plies:
            agent = OpeningAgent(agent, settings.opening_plies)
        return agent


_cache = _Cache()


class _Status:
    """What this worker is doing, in a small file the parent reads if the worker dies: the
    game's key and which player's code is running (-1: none). Two memory writes per agent
    call; nothing at all outside a LocalPool worker."""

    def __init__(self) -> None:
        self.buf: Any = None  # an mmap once open() ran

    def open(self, path: str) -> None:
        import mmap

        with open(path, "w+b") as f:
            f.truncate(STATUS_BYTES)
            self.buf = mmap.mmap(f.fileno(), STATUS_BYTES)
        self.calling(None)

    def job(self, key: str) -> None:
        if self.buf is not None:
            data = key.encode()[: STATUS_BYTES - 8]
            self.buf[8 : 8 + len(data)] = data
            struct.pack_into("<ii", self.buf, 0, -1, len(data))

    def calling(self, player: int | None) -> None:
        if self.buf is not None:
            struct.pack_into("<i", self.buf, 0, -1 if player is None else player)


STATUS_BYTES = 4096
_status = _Status()


def read_status(path: str) -> tuple[int, str] | None:
    """(player whose code was running or -1, game key) from a worker's status file."""
    try:
        with open(path, "rb") as f:
            data = f.read(STATUS_BYTES)
        player, size = struct.unpack_from("<ii", data, 0)
        return player, data[8 : 8 + size].decode(errors="replace")
    except (OSError, struct.error):
        return None


def play_job(settings: Settings, job: Job) -> GameRecord:
    """Play one scheduled game in this process, reusing its cached env and agents. An agent
    that cannot start (even one that passed the tournament's check) loses this game on
    `crash`; the next game tries it again."""
    env = _cache.prepare(settings)
    _status.job(job.key)
    agents = []
    for i, spec in enumerate(job.players):
        try:
            agents.append(_cache.agent(spec))
        except ArenaError as exc:
            return forfeit_record(
                env.info.id, job.seed, job.players, env.info.sides, i, CRASH, f"{spec} failed to start: {exc}"[:500]
            )
    for agent in agents:
        if isinstance(agent, OpeningAgent):
            agent.game_seed = job.seed
    shown: Any = env
    if settings.render:
        from arena.render import NamingEnv, show_step

        shown = NamingEnv(env)
    record = play(
        shown,
        agents,
        job.seed,
        names=list(job.players),
        time_per_move=settings.time_per_move,
        time_bank=settings.time_bank,
        on_step=show_step if settings.render else None,
        on_call=_status.calling,
    )
    if (
        record.termination == TIMEOUT and record.forfeit_player is not None
    ):  # its thread may still be stuck inside: build a fresh one
        stuck = agents[record.forfeit_player]
        if not getattr(stuck, "keeps_own_clock", False):  # a subprocess agent restarted itself
            _cache.agents.pop(job.players[record.forfeit_player], None)
    return record


def one_torch_thread() -> None:
    """Games run in parallel processes; a torch that spreads over all cores in each of them
    would only fight itself."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != 1:
        torch.set_num_threads(1)


# -- backends -------------------------------------------------------------------------------


class Backend(Protocol):
    """What the runner needs from a backend: play jobs, pulled lazily so the caller may stop
    early, and yield each finished game with its job, in any order."""

    workers: int

    def run(self, settings: Settings, jobs: Iterable[Job]) -> Iterator[tuple[Job, GameRecord]]: ...

    def close(self) -> None: ...


class InlineBackend:
    """Plays the games one after another in this process: for agents that talk to the user at
    this process's terminal (`AgentSpec.interactive`), and the Python API's default. Agent
    code that kills the interpreter ends the run here; `LocalPool(1)` costs it one game."""

    workers = 1

    def run(self, settings: Settings, jobs: Iterable[Job]) -> Iterator[tuple[Job, GameRecord]]:
        for job in jobs:
            yield job, play_job(settings, job)

    def close(self) -> None:
        _cache.clear()


class _Bounded:
    """Shared loop of the parallel backends: keep a few games per worker in flight, pull
    jobs lazily (so a caller may stop early), and yield games as they finish."""

    workers = 1

    # What each parallel backend provides: submit a game, wait for some, read one, cancel.
    def _submit(self, settings: Settings, job: Job) -> Any:
        raise NotImplementedError

    def _finished(self, handles: list[Any]) -> Iterable[Any]:
        raise NotImplementedError

    def _result(self, handle: Any) -> GameRecord:
        raise NotImplementedError

    def _cancel(self, handles: list[Any]) -> None:
        raise NotImplementedError

    def run(self, settings: Settings, jobs: Iterable[Job]) -> Iterator[tuple[Job, GameRecord]]:
        todo, pending = iter(jobs), dict[Any, Job]()
        try:
            while True:
                while len(pending) < 2 * self.workers:
                    job = next(todo, None)
                    if job is None:
                        break
                    pending[self._submit(settings, job)] = job
                if not pending:
                    return
                for handle in self._finished(list(pending)):
                    yield pending.pop(handle), self._result(handle)
        finally:
            self._cancel(list(pending))


class LocalPool(_Bounded):
    """Worker processes on this machine, one or more. A worker killed by agent code (a
    segfault, an abort, os._exit) costs that agent the game it was playing, as a `crash`; the
    pool is rebuilt and the other games in flight are played again (same seeds, same records).

    Given the game (`env_id`) and the `agents`, the workers get a head start while the arena
    checks the agents. One worker is forked from this process (it has the arena imported
    already; a fresh interpreter would repeat its start-up, about as long as a short run) and
    at once, before the run starts threads such as the progress display's. Several workers
    fork from a forkserver (spawn where there is none) that imports the game's and the agents'
    modules first (`arena._warm`), so each worker need not."""

    MAX_RETRIES = 3  # deaths of a worker outside agent code that one game may see

    def __init__(self, workers: int, env_id: str | None = None, agents: Iterable[str] = ()):
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.settings: Settings | None = None
        self.status_dir: str | None = None
        self.processes: dict = {}
        self.in_flight: set[Future] = set()  # games submitted and not yet over
        self.ended: queue.SimpleQueue[Future] = queue.SimpleQueue()  # games as they end
        for var in THREAD_ENV:  # inherited by the workers before they import torch or BLAS
            os.environ.setdefault(var, "1")
        methods = multiprocessing.get_all_start_methods()
        method = "fork" if workers == 1 and "fork" in methods else "forkserver" if "forkserver" in methods else "spawn"
        self.context = multiprocessing.get_context(method)
        if method == "forkserver":
            self.context.set_forkserver_preload(["arena._die_with_parent", "arena._warm"])
        if env_id is not None:
            self.warm_up(env_id, agents)

    def warm_up(self, env_id: str, agents: Iterable[str] = ()) -> None:
        """Start the workers (fork) or the forkserver now; neither is waited for."""
        method = self.context.get_start_method()
        wanted = {"env": env_id, "agents": sorted({spec.partition(":")[0] for spec in agents})}
        if method == "fork":
            try:
                _warm.warm(wanted)  # imports this process needs anyway, to check the agents
            except Exception:  # noqa: BLE001, S110 - the same failure comes back, in one line, at the check
                pass
            self._ensure().submit(os.getpid)  # forks the worker; the answer is not needed
            self.processes.update(getattr(self.pool, "_processes", None) or {})
        elif method == "forkserver":
            from multiprocessing import forkserver

            before = os.environ.get(_warm.VARIABLE)
            os.environ[_warm.VARIABLE] = json.dumps(wanted)  # read by the forkserver as it starts
            try:
                forkserver.ensure_running()
            finally:
                if before is None:
                    os.environ.pop(_warm.VARIABLE, None)
                else:
                    os.environ[_warm.VARIABLE] = before

    def _ensure(self) -> ProcessPoolExecutor:
        if self.pool is None:
            if self.status_dir is None:
                self.status_dir = tempfile.mkdtemp(prefix="arena-workers-")
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=self.context, initializer=_init_worker, initargs=(os.getpid(), self.status_dir)
            )
        return self.pool

    def _submit(self, settings, job):
        handle = self._ensure().submit(play_job, settings, job)
        self.processes.update(getattr(self.pool, "_processes", None) or {})  # for the autopsy
        self.in_flight.add(handle)
        handle.add_done_callback(self._ended)
        return handle

    def _ended(self, handle: Future) -> None:  # called by the pool's thread as a game ends
        self.in_flight.discard(handle)
        self.ended.put(handle)

    def _wait(self, pending: dict) -> set:
        """The games of `pending` that are over, once one is. It blocks on a queue rather than
        in `concurrent.futures.wait`, which a Ctrl-C can leave holding a game's lock: the
        pool's thread then never hands that game back, and closing the pool hangs."""
        done: set = set()
        while not done:
            ended = [self.ended.get()]
            while not self.ended.empty():
                ended.append(self.ended.get())
            done = {h for h in ended if h in pending}  # others: cancelled, or of a broken pool
        return done

    def run(self, settings: Settings, jobs: Iterable[Job]) -> Iterator[tuple[Job, GameRecord]]:
        todo, pending, again = iter(jobs), dict[Any, Job](), list[Job]()
        deaths: dict[str, int] = {}
        try:
            while True:
                broken = []
                while len(pending) < 2 * self.workers:
                    job = again.pop(0) if again else next(todo, None)
                    if job is None:
                        break
                    try:
                        pending[self._submit(settings, job)] = job
                    except BrokenProcessPool:  # a worker died since the last look
                        broken.append(job)
                        break
                if not pending and not broken:
                    return
                done = self._wait(pending) if pending and not broken else set()
                for handle in [h for h in pending if h in done]:
                    job = pending.pop(handle)
                    try:
                        record = self._result(handle)
                    except BrokenProcessPool:
                        broken.append(job)
                        continue
                    yield job, record
                if broken:
                    lost = broken
                    for handle, job in list(pending.items()):
                        if handle.done() and not handle.cancelled() and handle.exception() is None:
                            yield job, handle.result()  # finished before the pool broke
                        else:
                            lost.append(job)
                    pending.clear()
                    for job, record in self._recover(settings, lost, deaths):
                        if record is None:
                            again.append(job)
                        else:
                            yield job, record
        finally:
            self._cancel(list(pending))

    def _recover(self, settings: Settings, lost: list[Job], deaths: dict[str, int]):
        """After a worker died: blame the agent whose code was running in it, and hand back
        every other lost game (record None) to be played again on a fresh pool."""
        blamed, suspects = self._autopsy()
        for job in lost:
            if job.key in blamed:
                player, how = blamed[job.key]
                from arena.api import make_env

                sides = (
                    _cache.prepare(settings).info.sides
                    if _cache.settings == settings
                    else make_env(settings.env_id).info.sides
                )
                yield (
                    job,
                    forfeit_record(
                        settings.env_id,
                        job.seed,
                        job.players,
                        sides,
                        player,
                        CRASH,
                        f"{job.players[player]}: agent code killed its worker process ({how})",
                    ),
                )
                continue
            if suspects is None or job.key in suspects:  # its worker died outside agent code
                deaths[job.key] = deaths.get(job.key, 0) + 1
            if deaths.get(job.key, 0) > self.MAX_RETRIES:
                raise ArenaError(
                    f"a worker process died {deaths[job.key]} times playing game {job.key} "
                    "outside any agent's code; finished games are stored: rerun to resume"
                )
            yield job, None

    def _autopsy(self) -> tuple[dict[str, tuple[int, str]], set[str] | None]:
        """({game key: (player, how the worker died)} for workers that died inside agent code,
        keys of games whose worker died outside it, or None when no worker died on its own).
        The pool terminates its other workers once one dies (SIGTERM): those are not blamed."""
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)  # reaps the workers it terminated
        found, suspects, died = {}, set(), False
        for pid, process in list(self.processes.items()):
            process.join(timeout=1.0)
            code = process.exitcode
            if code is None or code == -signal.SIGTERM:
                continue
            died = True
            status = read_status(os.path.join(self.status_dir or "", str(pid)))
            if status and status[0] >= 0:
                found[status[1]] = (status[0], _death(code))
            elif status:
                suspects.add(status[1])
        self.processes.clear()
        return found, (suspects if died else None)

    def _result(self, handle) -> GameRecord:
        try:
            return handle.result()
        except BrokenProcessPool:
            raise
        except ArenaError as exc:  # e.g. a worker could not build its env
            raise ArenaError(f"in a worker process: {exc}") from None

    def _cancel(self, handles) -> None:
        for h in handles:
            h.cancel()

    def close(self) -> None:
        if self.pool is not None:
            if self.in_flight:  # games nobody will read (Ctrl-C): stop them rather than wait
                for process in list(self.processes.values()):
                    process.kill()  # not SIGTERM, which agent code may catch or ignore
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.status_dir is not None:
            shutil.rmtree(self.status_dir, ignore_errors=True)
            self.status_dir = None


def _death(code: int) -> str:
    if code < 0:
        try:
            return f"killed by signal {-code}, {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"it exited with code {code}"


def _init_worker(parent_pid: int, status_dir: str | None = None) -> None:
    from arena.remote.process import die_with_parent

    die_with_parent()  # the forkserver, which exits as soon as the arena is gone
    one_torch_thread()
    if status_dir is not None:
        _status.open(os.path.join(status_dir, str(os.getpid())))

    def exit_with_parent():  # a `kill -9`ed tournament must not leave its workers playing
        while True:
            time.sleep(0.2)
            try:
                with open(f"/proc/{parent_pid}/stat", "rb") as f:
                    dead = f.read().rsplit(b")", 1)[1].split()[0] == b"Z"  # killed, not yet reaped
            except (OSError, IndexError):
                try:
                    os.kill(parent_pid, 0)
                    dead = False
                except ProcessLookupError:
                    dead = True
            if dead:
                os._exit(0)

    threading.Thread(target=exit_with_parent, daemon=True).start()


def _ray_play(settings: Settings, job: Job) -> GameRecord:
    return play_job(settings, job)


class RayBackend(_Bounded):
    """Games as Ray tasks: on a local Ray started here (dashboard off), or on the cluster at
    `address`. Workers keep their agents between tasks just like local workers."""

    def __init__(self, workers: int, address: str | None = None):
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a private local Ray needs no tokens
        try:
            import ray
        except ImportError:
            raise ArenaError("--backend ray needs ray: pip install 'arena-league[ray]'") from None
        self.ray = ray
        if not ray.is_initialized():
            try:
                if address:
                    ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
                else:
                    ray.init(
                        num_cpus=workers, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False
                    )
            except Exception as exc:  # noqa: BLE001 - ray raises many kinds; one line for the user
                raise ArenaError(f"cannot start or reach Ray{' at ' + address if address else ''}: {exc}") from None
            self.started = True
        else:
            self.started = False
        self.workers = max(1, int(ray.cluster_resources().get("CPU", workers)))
        self.task = ray.remote(num_cpus=1)(_ray_play)

    def _submit(self, settings, job):
        return self.task.remote(settings, job)

    def _finished(self, handles):
        done, _ = self.ray.wait(handles, num_returns=1)
        return done

    def _result(self, handle) -> GameRecord:
        return self.ray.get(handle)

    def _cancel(self, handles) -> None:
        for h in handles:
            self.ray.cancel(h, force=True)

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()


def make_backend(
    name: str, concurrency: int, address: str | None = None, env_id: str | None = None, agents: Iterable[str] = ()
) -> Backend:
    """The backend for a run of `agents` on `env_id`. Local games are played in worker
    processes at every concurrency, 1 included, so that agent code that kills its
    interpreter costs one game, never the run; only agents that need this process's
    terminal (`AgentSpec.interactive`, e.g. `human`) play here, one game after another."""
    from arena.api import interactive

    agents = list(agents)
    if interactive(agents):
        return InlineBackend()
    if name == "local":
        return LocalPool(concurrency, env_id, agents)
    if name == "ray":
        return RayBackend(concurrency, address)
    raise ArenaError(f"unknown backend {name!r}; choose local or ray")


def default_concurrency() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


__all__ = [
    "Backend",
    "Job",
    "Settings",
    "OpeningAgent",
    "play_job",
    "make_backend",
    "default_concurrency",
    "InlineBackend",
    "LocalPool",
    "RayBackend",
]
