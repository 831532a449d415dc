"""Many copies of one arena env stepped in one process, seen as arrays over (env, seat).

Seats that are dead (not in `to_move()`) keep their slot: zero observation, a mask that
allows only action 0, and `alive` False, so batches keep their shape (MAPPO death masking).
A finished game is reset at once with a fresh seed; its final returns are reported.

Any simultaneous arena env works through the `Env` interface. An env whose `batched()`
offers the BatchedEnv fast path (`observe_all`, `step_all`, `team_state`, as fivehero
does) is driven through it instead: same data, no per-seat calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from arena.api import make_env
from arena.envs.base import SIMULTANEOUS, Env
from arena.errors import ArenaError
from arena.referee import scores_from_returns


@dataclass
class Finished:
    """One game that ended during the last step."""

    env: int
    returns: list[float]  # per seat
    scores: list[float]  # per side


def global_state(env: Env) -> np.ndarray:
    """The env's global state for a centralised critic: `state()` of the env or of the
    PettingZoo env under an adapter, else every seat's observation side by side."""
    for obj in (env, getattr(env, "env", None)):
        state = getattr(obj, "state", None)
        if callable(state):
            try:
                return np.asarray(state(), dtype=np.float32).ravel()
            except (NotImplementedError, AttributeError):
                pass
    return np.concatenate([np.ravel(env.observation(s)) for s in range(env.info.num_seats)]).astype(np.float32)


def batched(env: Env):
    """The env's batched fast path (Env.batched, e.g. fivehero's), else None."""
    return env.batched()


class VecEnv:
    def __init__(self, env_id: str, num_envs: int, seed: int):
        self.envs = [make_env(env_id) for _ in range(num_envs)]
        self.info = self.envs[0].info
        if self.info.kind != SIMULTANEOUS:
            raise ArenaError(f"ppo trains on simultaneous-move envs; {env_id} is {self.info.kind}")
        self.fast = [batched(env) for env in self.envs]
        if not all(self.fast):
            self.fast = None
        self.rng = np.random.default_rng(seed)
        n = len(self.envs)
        self.returns = np.zeros((n, self.info.num_seats))
        for e in range(n):
            self._reset(e)
        self.obs_dim = int(np.prod(self.info.observation_shape))
        self.state_dim = len(self._state(0, 0))

    def _reset(self, e: int) -> None:
        seed = int(self.rng.integers(2**31 - 1))
        if self.fast:
            self.fast[e].reset(seed=seed)
            self.returns[e] = 0.0
        else:
            self.envs[e].reset(seed)

    def _state(self, e: int, side: int) -> np.ndarray:
        """Global state as `side` sees it (in its own frame where the env offers one)."""
        return self.fast[e].team_state(side) if self.fast else global_state(self.envs[e])

    def observe(self, sides: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """obs (E, N, D), legal mask (E, N, A), alive (E, N), and the global state (E, S)
        as side sides[e] of each env sees it (None when `sides` is None: no critic needs it)."""
        n_env, info = len(self.envs), self.info
        state = None if sides is None else np.stack([self._state(e, int(s)) for e, s in enumerate(sides)])
        if self.fast:
            obs, mask = zip(*(env.observe_all() for env in self.fast))
            return np.stack(obs), np.stack(mask).astype(bool), np.ones((n_env, info.num_seats), bool), state
        obs = np.zeros((n_env, info.num_seats, self.obs_dim), dtype=np.float32)
        mask = np.zeros((n_env, info.num_seats, info.num_actions), dtype=bool)
        mask[:, :, 0] = True
        alive = np.zeros((n_env, info.num_seats), dtype=bool)
        for e, env in enumerate(self.envs):
            for seat in env.to_move():
                obs[e, seat] = np.ravel(env.observation(seat))
                mask[e, seat] = env.legal_mask(seat)
                alive[e, seat] = True
        return obs, mask, alive, state

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[Finished]]:
        """Apply actions (E, N) for the live seats: rewards (E, N), done (E,), finished games."""
        rewards = np.zeros((len(self.envs), self.info.num_seats), dtype=np.float32)
        done = np.zeros(len(self.envs), dtype=bool)
        finished = []
        for e, env in enumerate(self.envs):
            if self.fast:
                rewards[e], terminated, truncated = self.fast[e].step_all(actions[e])
                self.returns[e] += rewards[e]
                over = terminated or truncated
            else:
                env.step({seat: int(actions[e, seat]) for seat in env.to_move()})
                rewards[e] = env.rewards()
                over = env.is_over()
            if over:
                finished.append(self._finished(e))
                done[e] = True
                self._reset(e)
        return rewards, done, finished

    def _finished(self, e: int) -> Finished:
        if self.fast:
            returns = self.returns[e].tolist()
            winner = getattr(self.fast[e], "winner", None)
            if winner in (0, 1):  # shaped rewards must not decide who won
                return Finished(e, returns, [1.0 - winner, float(winner)])
            if winner == -1:
                return Finished(e, returns, [0.5, 0.5])
        else:
            returns = [float(r) for r in self.envs[e].returns()]
        return Finished(e, returns, scores_from_returns(returns, self.info.sides))

    def close(self) -> None:
        for env in self.envs:
            env.close()


class Workers:
    """One object per spawned process, built there by `build(*args)`, its methods called in
    parallel: `call(method, args)` sends each worker its arguments and gathers the replies in
    worker order. Spawned, not forked: the trainer holds torch threads. A worker that fails
    or dies is reported as one line (ArenaError). Each reply carries the worker's CPU time,
    so a CPU budget counts the workers too (`cpu_seconds`)."""

    def __init__(self, build, args_per_worker: list[tuple]):
        import multiprocessing as mp

        context = mp.get_context("spawn")
        self.conns, self.procs = [], []
        self.cpu = [0.0] * len(args_per_worker)
        for args in args_per_worker:
            parent, child = context.Pipe()
            proc = context.Process(target=_serve, args=(child, build, args), daemon=True)
            proc.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(proc)
        self._gather()  # each worker reports that it is built, or why it is not

    def call(self, method: str, args_per_worker: list[tuple]) -> list:
        for i, (conn, args) in enumerate(zip(self.conns, args_per_worker)):
            try:
                conn.send((method, args))
            except (BrokenPipeError, OSError):
                raise self._stopped(i) from None
        return self._gather()

    def _gather(self) -> list:
        replies = []
        for i, conn in enumerate(self.conns):
            try:
                ok, reply, self.cpu[i] = conn.recv()
            except (EOFError, OSError):
                raise self._stopped(i) from None
            if not ok:
                raise ArenaError(f"ppo rollout worker {i} failed: {reply}")
            replies.append(reply)
        return replies

    def _stopped(self, i: int) -> ArenaError:
        return ArenaError(f"ppo rollout worker {i} stopped (exit code {self.procs[i].exitcode})")

    def cpu_seconds(self) -> float:
        """CPU time the workers have used, as of their last replies."""
        return sum(self.cpu)

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(("close", ()))
            except (BrokenPipeError, OSError):
                pass
        for proc in self.procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()


def _serve(conn, build, args: tuple) -> None:
    """A worker: build the object, then answer calls until "close"."""
    import signal
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C ends the trainer, which closes its workers
    try:
        import torch

        torch.set_num_threads(1)  # envs may use torch; one thread per process on a shared CPU
    except ImportError:
        pass
    try:
        obj = build(*args)
        conn.send((True, None, time.process_time()))
    except Exception as exc:  # noqa: BLE001 - reported to the trainer as one line
        conn.send((False, f"{type(exc).__name__}: {exc}", time.process_time()))
        return
    while True:
        method, args = conn.recv()
        if method == "close":
            obj.close()
            return
        try:
            attribute = getattr(obj, method)
            reply = attribute(*args) if callable(attribute) else attribute
            conn.send((True, reply, time.process_time()))
        except Exception as exc:  # noqa: BLE001
            conn.send((False, f"{type(exc).__name__}: {exc}", time.process_time()))


def split(num_envs: int, workers: int) -> list[tuple[int, int]]:
    """`workers` near-equal slices (start, end) of `num_envs` envs, after refusing a split that
    leaves a worker without one."""
    if not 1 < workers <= num_envs:
        raise ArenaError(f"--workers must be from 2 to num_envs ({num_envs}) to split the envs, got {workers}")
    return [(int(c[0]), int(c[-1]) + 1) for c in np.array_split(np.arange(num_envs), workers)]


class WorkerVecEnv:
    """VecEnv with its envs split over `workers` processes that step in parallel (the policy
    stays in this process: one batched forward pass per step, as with VecEnv). Same interface
    and data as VecEnv; each worker seeds its share of envs from (seed, worker index), so a
    run is reproducible for a given seed and number of workers. Workers are spawned (no fork
    of a process holding torch threads), so a script that calls train() with workers > 1
    needs the usual `if __name__ == "__main__":` guard."""

    def __init__(self, env_id: str, num_envs: int, seed: int, workers: int):
        self.ranges = split(num_envs, workers)
        local = make_env(env_id)
        self.info = local.info
        if self.info.kind != SIMULTANEOUS:
            raise ArenaError(f"ppo trains on simultaneous-move envs; {env_id} is {self.info.kind}")
        # Agents built per env (the scripted opponents) only read the env's info: one local copy.
        self.envs = [local] * num_envs
        self.obs_dim = int(np.prod(self.info.observation_shape))
        self.workers = Workers(VecEnv, [(env_id, int(b - a), [seed, i]) for i, (a, b) in enumerate(self.ranges)])
        self.state_dim = int(self.workers.call("state_dim", [()] * workers)[0])

    def observe(self, sides: np.ndarray | None = None):
        parts = self.workers.call("observe", [(None if sides is None else sides[a:b],) for a, b in self.ranges])
        obs, mask, alive = (np.concatenate([p[k] for p in parts]) for k in range(3))
        return obs, mask, alive, None if sides is None else np.concatenate([p[3] for p in parts])

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[Finished]]:
        parts = self.workers.call("step", [(actions[a:b],) for a, b in self.ranges])
        finished = [Finished(self.ranges[i][0] + game.env, game.returns, game.scores)
                    for i, part in enumerate(parts) for game in part[2]]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), finished

    def close(self) -> None:
        self.workers.close()
        self.envs[0].close()


def worker_cpu(vec) -> Callable[[], float] | None:
    """The CPU-time count of a vec env's worker processes, if it has any (for the budget)."""
    workers = getattr(vec, "workers", None)
    return workers.cpu_seconds if workers is not None else None


def make_vec_env(env_id: str, num_envs: int, seed: int, workers: int = 1) -> VecEnv | WorkerVecEnv:
    """The envs in this process (workers=1), or split over `workers` processes."""
    return VecEnv(env_id, num_envs, seed) if workers == 1 else WorkerVecEnv(env_id, num_envs, seed, workers)
