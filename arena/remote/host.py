"""The host side of a subprocess agent.

`SubprocessAgent` is an ordinary `Agent` whose decisions come from a child process. It keeps
the clock itself (the referee trusts `keeps_own_clock`): a child that overruns is killed
with its whole process tree and the game is forfeited on `timeout`; one that dies forfeits
on `crash`; garbage or oversized output forfeits on `protocol`. After any of these a fresh
child is started for the next game.
"""

from __future__ import annotations

import atexit
import os
import re
import select
import shlex
import subprocess
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from arena.agents import Agent
from arena.cpuwait import SchedStat, later_deadline
from arena.envs.base import EnvInfo
from arena.errors import ArenaError
from arena.referee import CRASH, PROTOCOL, TIMEOUT, Forfeit
from arena.remote.process import (
    TOKEN_VAR,
    agent_pid,
    agent_processes,
    child_setup,
    kill_tree,
    memory_limit_mb,
    pid_namespace_prefix,
)
from arena.remote.protocol import MAX_AGENT_MESSAGE, SUPPORTED_VERSIONS, ProtocolError, decode, encode, env_payload


class _Timeout(Exception):
    pass


class _Died(Exception):
    pass


_live: weakref.WeakSet[SubprocessAgent] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """No agent outlives the arena, even when the arena exits by an exception."""
    for agent in list(_live):
        agent.close()


class SubprocessAgent(Agent):
    """An agent in a child process. `argv` is started in a new session, with stderr
    appended to `log_path`; the handshake happens here, so a bad command fails at once."""

    keeps_own_clock = True  # the referee calls us directly; we kill on overrun
    MAX_RESTARTS = 3  # consecutive failed starts before every game is forfeited at once

    def __init__(
        self,
        env_info: EnvInfo,
        argv: Sequence[str],
        *,
        name: str | None = None,
        memory_mb: int | None = None,
        log_dir: str | Path | None = None,
        startup_timeout: float = 60.0,
        idle_timeout: float = 60.0,
    ):
        super().__init__(env_info)
        self.argv = list(argv)
        self.name = name or Path(self.argv[0]).name
        self.memory_mb = memory_mb if memory_mb is not None else memory_limit_mb()  # 0: none
        self.startup_timeout, self.idle_timeout = startup_timeout, idle_timeout
        self.log_path = _log_path(log_dir, self.name)
        self.proc: subprocess.Popen[bytes] | None = None
        self.hello: dict[str, Any] = {}
        self.failed_starts = 0
        self._buf = bytearray()
        self._pending: list[bytes] = []  # inform messages, sent with the next request
        self._env = env_payload(env_info)
        self.charged: float | None = None  # seconds charged for the last answer (the referee's clock)
        self._agent_sched: SchedStat | None = None
        self._host_sched: dict[int, SchedStat] = {}
        self._start()
        _live.add(self)

    # -- the Agent interface -----------------------------------------------------------
    def reset(self, seats: tuple[int, ...], seed: int) -> None:
        self._pending.clear()
        if self.proc is None:  # the last restart failed: try again, the game is lost anyway
            self._restart_or_give_up()
        self._request({"type": "reset", "env": self._env, "seats": list(seats), "seed": int(seed)}, "ready", None)

    def act(self, obs) -> Any:
        reply = self._request(
            {"type": "act", "time_left": obs.time_left, **self._seat_view(obs)}, "action", obs.time_left
        )
        return self._field(reply, "action")

    def act_team(self, observations: Mapping[int, Any]) -> dict[int, Any]:
        time_left = next(iter(observations.values())).time_left
        message = {
            "type": "act_team",
            "time_left": time_left,
            "observations": [self._seat_view(obs) for obs in observations.values()],
        }
        actions = self._field(self._request(message, "actions", time_left), "actions")
        if not isinstance(actions, list) or not all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[0], int) for p in actions
        ):
            self._fail(PROTOCOL, '"actions" must be a list of [seat, action] pairs')
        return {seat: action for seat, action in actions}

    def inform(self, seat: int, action: int) -> None:
        self._pending.append(encode({"type": "inform", "seat": seat, "action": int(action)}))

    def processes(self) -> set[int]:
        """The live processes of this agent now (its namespace's `unshare` included)."""
        if self.proc is None:
            return set()
        return agent_processes(self.proc.pid, self._token) | {self.proc.pid}

    def close(self) -> None:
        _live.discard(self)
        for reader in self._host_sched.values():
            reader.close()
        self._host_sched.clear()
        if self.proc is None:
            return
        try:
            self._send(encode({"type": "quit"}), time.monotonic() + 0.2)
            self.proc.wait(timeout=0.5)
        except (_Died, _Timeout, subprocess.TimeoutExpired):
            pass
        self._kill()

    # -- requests ----------------------------------------------------------------------
    def _seat_view(self, obs) -> dict[str, Any]:
        view: dict[str, Any] = {"seat": obs.seat, "legal_actions": list(obs.legal_actions)}
        if self.hello.get("observation", True):
            view["observation"] = np.asarray(obs.tensor, dtype=float).ravel().tolist()
        if self.hello.get("forward_model") and self.env_info.forward_model:
            view["state"] = obs.forward_model_text()  # Env.serialize_state
        return view

    def _request(self, message: dict, expect: str, time_left: float | None) -> dict:
        """Send a request and read its answer within `time_left` seconds; any failure of
        the child becomes a classified Forfeit. Time the agent, or this host thread, spent
        waiting for a core (another process had it) is not charged: the deadline moves by
        it, up to the budget plus a second more."""
        budget = self.idle_timeout if time_left is None else time_left
        start = time.monotonic()
        deadline = start + budget
        before = self._sched() if time_left is not None else None
        excused = 0.0
        try:
            self._send(b"".join(self._pending) + encode(message), deadline)
            self._pending.clear()
            while True:
                try:
                    line = self._read_line(deadline)
                    break
                except _Timeout:
                    if before is None:
                        raise
                    later = self._later_deadline(start, budget, before)
                    if later is None:
                        raise
                    deadline = later
            if before is not None:
                excused = min(self._sched()[1] - before[1], budget + 1.0)
            self.charged = max(0.0, time.monotonic() - start - excused)
            reply = decode(line)
        except ProtocolError as exc:
            self._fail(PROTOCOL, str(exc))
        except _Timeout:
            self._fail(TIMEOUT, f"no answer to {message['type']!r} within {budget:.3g}s; killed")
        except _Died:
            self._fail(CRASH, f"the agent process {self._exit_reason()}")
        except BaseException:  # interrupted (Ctrl-C) mid-request: the child's state is unknown
            self._kill()
            raise
        if reply["type"] == "error":
            raise Forfeit(CRASH, f"agent error: {str(reply.get('message'))[:300]}")
        if reply["type"] != expect:
            self._fail(PROTOCOL, f"expected a {expect!r} message, got {reply['type']!r}")
        return reply

    def _sched(self) -> tuple[float, float]:
        """(the agent's CPU seconds, run-queue seconds of the agent and of this host thread)."""
        if self._agent_sched is None:
            assert self.proc is not None  # asked only while the child runs
            self._agent_sched = SchedStat(agent_pid(self.proc.pid))
        tid = threading.get_native_id()
        host = self._host_sched.get(tid)
        if host is None:
            host = self._host_sched[tid] = SchedStat("self", tid)
        on_cpu, waiting = self._agent_sched()
        return on_cpu, waiting + host()[1]

    def _later_deadline(self, start: float, budget: float, before: tuple[float, float]) -> float | None:
        """At the deadline: a later one when the agent lost time waiting for a core (the
        waits so far, or, while it is runnable now and has not yet had `budget` seconds of
        CPU, another slice), at most the budget plus a second past the first; else None."""
        on_cpu, waiting = self._sched()
        assert self._agent_sched is not None  # made by _sched()
        return later_deadline(
            start, budget, time.monotonic(), waiting - before[1], on_cpu - before[0], self._agent_sched.runnable()
        )

    def _field(self, reply: dict, key: str) -> Any:
        if key not in reply:
            self._fail(PROTOCOL, f"{reply['type']!r} message without {key!r}")
        return reply[key]

    def _fail(self, termination: str, reason: str):
        """The child is in an unknown state: kill it, start a fresh one for the next game,
        and forfeit this one."""
        self._kill()
        try:
            self._start()
        except ArenaError as exc:
            reason += f"; restart failed: {exc}"
        raise Forfeit(termination, f"{self.name}: {reason}")

    def _restart_or_give_up(self) -> None:
        if self.failed_starts >= self.MAX_RESTARTS:
            raise Forfeit(CRASH, f"{self.name}: gave up after {self.failed_starts} failed restarts")
        try:
            self._start()
        except ArenaError as exc:
            raise Forfeit(CRASH, f"{self.name}: restart failed: {exc}") from None

    # -- the child process -------------------------------------------------------------
    def _start(self) -> None:
        """Spawn the child and shake hands; raise ArenaError with a one-line reason."""
        self._token = uuid.uuid4().hex
        self._buf.clear()
        with open(self.log_path, "ab") as log:
            log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {shlex.join(self.argv)}\n".encode())
            log.flush()
            try:
                self.proc = subprocess.Popen(
                    [*pid_namespace_prefix(), *self.argv],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    start_new_session=True,
                    bufsize=0,
                    env={**os.environ, TOKEN_VAR: self._token},
                    preexec_fn=child_setup(self.memory_mb or None),
                )
            except OSError as exc:
                self.proc = None
                self.failed_starts += 1
                raise ArenaError(f"cannot run {self.argv[0]!r}: {exc.strerror or exc}") from None
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both piped above
        self._stdin_fd, self._stdout_fd = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        for fd in (self._stdin_fd, self._stdout_fd):
            os.set_blocking(fd, False)
        # Readable when the child exits, even if its own children still hold the pipes open.
        self._pidfd = os.pidfd_open(self.proc.pid)
        self._readable = _poller(self._stdout_fd, select.POLLIN, self._pidfd)
        self._writable = _poller(self._stdin_fd, select.POLLOUT, self._pidfd)
        try:
            self.hello = self._handshake()
            # Observation.forward_model() is offered only to agents that declare it.
            self.needs_forward_model = bool(self.hello.get("forward_model")) and self.env_info.forward_model
        except ArenaError:
            self._kill()
            self.failed_starts += 1
            raise
        self.failed_starts = 0

    def _handshake(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.startup_timeout
        who = f"agent {self.name!r}"
        try:
            self._send(
                encode({"type": "hello", "protocols": list(SUPPORTED_VERSIONS), "arena": _arena_version()}), deadline
            )
            hello = decode(self._read_line(deadline))
        except ProtocolError as exc:
            raise ArenaError(f"{who} broke the handshake: {exc}") from None
        except _Timeout:
            raise ArenaError(f"{who} did not answer the handshake within {self.startup_timeout:g}s") from None
        except _Died:
            raise ArenaError(f"{who} {self._exit_reason(' before its handshake')}") from None
        if hello["type"] == "error":
            raise ArenaError(f"{who} refused the handshake: {str(hello.get('message'))[:200]}")
        if hello["type"] != "hello":
            raise ArenaError(f"{who} answered the handshake with {hello['type']!r}, not 'hello'")
        if hello.get("protocol") not in SUPPORTED_VERSIONS:
            raise ArenaError(
                f"{who} speaks protocol version {hello.get('protocol')!r}; this arena "
                f"speaks {', '.join(map(str, SUPPORTED_VERSIONS))}"
            )
        return hello

    def _send(self, data: bytes, deadline: float) -> None:
        fd = self._stdin_fd
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(fd, view) :]
            except BlockingIOError:  # the child is not reading: wait, but not forever
                _wait(self._writable, fd, deadline, self._pidfd)
            except (BrokenPipeError, ConnectionResetError):
                raise _Died from None

    def _read_line(self, deadline: float) -> bytes:
        fd, buf = self._stdout_fd, self._buf
        start = 0
        while (end := buf.find(b"\n", start)) < 0:
            if len(buf) > MAX_AGENT_MESSAGE:
                raise ProtocolError(f"a line over the {MAX_AGENT_MESSAGE}-byte limit")
            start = len(buf)
            _wait(self._readable, fd, deadline, self._pidfd)
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                raise _Died
            buf += chunk
        line = bytes(buf[:end])
        del buf[: end + 1]
        return line

    def _kill(self) -> None:
        """Kill the child and everything it started, then reap it."""
        proc = self.proc
        if proc is None:
            return
        if self._agent_sched is not None:
            self._agent_sched.close()
            self._agent_sched = None
        kill_tree(proc.pid, self._token)
        try:
            proc.kill()
        except ProcessLookupError:
            pass
        proc.wait()
        os.close(self._pidfd)
        for pipe in (proc.stdin, proc.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass
        self.proc = None

    def _exit_reason(self, when: str = "") -> str:
        try:
            code = self.proc.wait(timeout=1.0) if self.proc is not None else None
            how = (
                "is gone"
                if code is None
                else (f"was killed by signal {-code}" if code < 0 else f"exited with code {code}")
            )
        except subprocess.TimeoutExpired:
            how = "closed its output"
        tail = _last_line(self.log_path)
        return how + when + (f" ({tail})" if tail else "") + f"; log: {self.log_path}"


def _poller(fd: int, event: int, pidfd: int) -> select.poll:
    poller = select.poll()
    poller.register(fd, event)
    poller.register(pidfd, select.POLLIN)
    return poller


def _wait(poller: select.poll, fd: int, deadline: float, pidfd: int) -> None:
    """Until `fd` is ready; _Died when the child has exited, _Timeout at the deadline."""
    left = deadline - time.monotonic()
    ready = dict(poller.poll(max(1, int(left * 1000 + 0.999)))) if left > 0 else {}
    if fd in ready:
        return
    if pidfd in ready:
        raise _Died
    raise _Timeout


def _log_path(log_dir: str | Path | None, name: str) -> Path:
    folder = Path(log_dir or os.environ.get("ARENA_AGENT_LOGS") or Path(tempfile.gettempdir()) / "arena-agent-logs")
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.=-]+", "_", name)[:60] or "agent"
    return folder / f"{safe}.{os.getpid()}.{uuid.uuid4().hex[:6]}.log"


def _last_line(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, 2) - 4096))
            lines = [ln for ln in f.read().decode(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1].strip()[:200] if lines and not lines[-1].startswith("--- ") else ""


def _arena_version() -> str:
    from arena import __version__

    return __version__
