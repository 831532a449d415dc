"""Agents in their own processes, speaking JSON lines on stdin/stdout (docs/protocol.md).

Host side: `SubprocessAgent` is an ordinary `Agent` whose decisions come from a child
process. It keeps the clock itself (the referee trusts `keeps_own_clock`): a child that
overruns is killed with its whole process tree and the game is forfeited on `timeout`; one
that dies forfeits on `crash`; garbage or oversized output forfeits on `protocol`. After
any of these a fresh child is started for the next game. `CommandAgent` is the `cmd:`
spec, `command_agent` lets a plugin register an engine by name, `isolated` runs any
registered agent in a child through `arena serve-agent`.

Agent side: `serve(agent)` answers the protocol for an in-process `Agent`.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import re
import resource
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import weakref
from pathlib import Path
from typing import Any, BinaryIO, Mapping, Sequence

import numpy as np

from arena.agents import Agent
from arena.envs.base import Env, EnvInfo
from arena.errors import ArenaError
from arena.referee import CRASH, PROTOCOL, TIMEOUT, Forfeit

PROTOCOL_VERSION = 1
SUPPORTED_VERSIONS = (1,)
MAX_AGENT_MESSAGE = 1 << 20  # bytes in one line from an agent: answers are small
MAX_HOST_MESSAGE = 64 << 20  # bytes in one line from the host: observations can be large
TOKEN_VAR = "ARENA_AGENT_TOKEN"  # inherited by everything an agent spawns, so we can find it


# -- messages --------------------------------------------------------------------------

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
        "id": info.id, "kind": info.kind, "num_seats": info.num_seats,
        "num_actions": info.num_actions, "observation_shape": list(info.observation_shape),
        "teams": [list(t) for t in info.teams] if info.teams else None,
        "forward_model": info.forward_model, "seat_names": list(info.seat_names),
    }


# -- host side -------------------------------------------------------------------------

class _Timeout(Exception):
    pass


class _Died(Exception):
    pass


_live: "weakref.WeakSet[SubprocessAgent]" = weakref.WeakSet()


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

    def __init__(self, env_info: EnvInfo, argv: Sequence[str], *, name: str | None = None,
                 memory_mb: int | None = None, log_dir: str | Path | None = None,
                 startup_timeout: float = 60.0, idle_timeout: float = 60.0):
        super().__init__(env_info)
        self.argv = list(argv)
        self.name = name or Path(self.argv[0]).name
        self.memory_mb = memory_mb
        self.startup_timeout, self.idle_timeout = startup_timeout, idle_timeout
        self.log_path = _log_path(log_dir, self.name)
        self.proc: subprocess.Popen | None = None
        self.hello: dict[str, Any] = {}
        self.failed_starts = 0
        self._buf = bytearray()
        self._pending: list[bytes] = []  # inform messages, sent with the next request
        self._env = env_payload(env_info)
        self._start()
        _live.add(self)

    # -- the Agent interface -----------------------------------------------------------
    def reset(self, seats: tuple[int, ...], seed: int) -> None:
        self._pending.clear()
        if self.proc is None:  # the last restart failed: try again, the game is lost anyway
            self._restart_or_give_up()
        self._request({"type": "reset", "env": self._env, "seats": list(seats), "seed": int(seed)},
                      "ready", None)

    def act(self, obs) -> Any:
        reply = self._request({"type": "act", "time_left": obs.time_left, **self._seat_view(obs)},
                              "action", obs.time_left)
        return self._field(reply, "action")

    def act_team(self, observations: Mapping[int, Any]) -> dict[int, Any]:
        time_left = next(iter(observations.values())).time_left
        message = {"type": "act_team", "time_left": time_left,
                   "observations": [self._seat_view(obs) for obs in observations.values()]}
        actions = self._field(self._request(message, "actions", time_left), "actions")
        if not isinstance(actions, list) or not all(
                isinstance(p, list) and len(p) == 2 and isinstance(p[0], int) for p in actions):
            self._fail(PROTOCOL, '"actions" must be a list of [seat, action] pairs')
        return {seat: action for seat, action in actions}

    def inform(self, seat: int, action: int) -> None:
        self._pending.append(encode({"type": "inform", "seat": seat, "action": int(action)}))

    def close(self) -> None:
        _live.discard(self)
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
            view["state"] = obs.forward_model().serialize()  # OpenSpiel: history incl. chance
        return view

    def _request(self, message: dict, expect: str, time_left: float | None) -> dict:
        """Send a request and read its answer within `time_left` seconds; any failure of
        the child becomes a classified Forfeit."""
        budget = self.idle_timeout if time_left is None else time_left
        deadline = time.monotonic() + budget
        try:
            self._send(b"".join(self._pending) + encode(message), deadline)
            self._pending.clear()
            reply = decode(self._read_line(deadline))
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
                    self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                    start_new_session=True, bufsize=0, env={**os.environ, TOKEN_VAR: self._token},
                    preexec_fn=_child_setup(self.memory_mb),
                )
            except OSError as exc:
                self.proc = None
                self.failed_starts += 1
                raise ArenaError(f"cannot run {self.argv[0]!r}: {exc.strerror or exc}") from None
        for pipe in (self.proc.stdin, self.proc.stdout):
            os.set_blocking(pipe.fileno(), False)
        # Readable when the child exits, even if its own children still hold the pipes open.
        self._pidfd = os.pidfd_open(self.proc.pid)
        self._readable = _poller(self.proc.stdout.fileno(), select.POLLIN, self._pidfd)
        self._writable = _poller(self.proc.stdin.fileno(), select.POLLOUT, self._pidfd)
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
            self._send(encode({"type": "hello", "protocols": list(SUPPORTED_VERSIONS),
                               "arena": _arena_version()}), deadline)
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
            raise ArenaError(f"{who} speaks protocol version {hello.get('protocol')!r}; this arena "
                             f"speaks {', '.join(map(str, SUPPORTED_VERSIONS))}")
        return hello

    def _send(self, data: bytes, deadline: float) -> None:
        fd = self.proc.stdin.fileno()
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:  # the child is not reading: wait, but not forever
                _wait(self._writable, fd, deadline, self._pidfd)
            except (BrokenPipeError, ConnectionResetError):
                raise _Died from None

    def _read_line(self, deadline: float) -> bytes:
        fd, buf = self.proc.stdout.fileno(), self._buf
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
        del buf[:end + 1]
        return line

    def _kill(self) -> None:
        """Kill the child and everything it started, then reap it."""
        if self.proc is None:
            return
        kill_tree(self.proc.pid, self._token)
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass
        self.proc.wait()
        os.close(self._pidfd)
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        self.proc = None

    def _exit_reason(self, when: str = "") -> str:
        try:
            code = self.proc.wait(timeout=1.0)
            how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
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


_PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here: the child only calls it


def _child_setup(memory_mb: int | None):
    """Runs in the child between fork and exec: die with the arena even if it is killed
    with SIGKILL (no chance to clean up), and cap the address space if asked."""
    limit = memory_mb << 20 if memory_mb else None

    def setup() -> None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return setup


def _log_path(log_dir: str | Path | None, name: str) -> Path:
    folder = Path(log_dir or os.environ.get("ARENA_AGENT_LOGS")
                  or Path(tempfile.gettempdir()) / "arena-agent-logs")
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


# -- process trees ---------------------------------------------------------------------

def process_table() -> list[tuple[int, int, int, int, str]]:
    """(pid, ppid, pgid, sid, state) of every live process, read from /proc."""
    rows = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        rows.append((int(entry.name), int(fields[1]), int(fields[2]), int(fields[3]),
                     fields[0].decode()))
    return rows


def has_token(pid: int, token: str) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f"{TOKEN_VAR}={token}".encode() in f.read().split(b"\0")
    except OSError:
        return False


def agent_processes(leader: int, token: str | None = None) -> set[int]:
    """Live processes started by an agent whose first process was `leader`: its session
    and process group, its descendants, and anything carrying its token in its environment
    (which catches a grandchild that called setsid and was orphaned)."""
    table = [row for row in process_table() if row[4] != "Z"]
    children: dict[int, list[int]] = {}
    for pid, ppid, *_ in table:
        children.setdefault(ppid, []).append(pid)
    found = {pid for pid, _, pgid, sid, _ in table if leader in (pgid, sid)}
    stack = [leader]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    if token:
        me = os.getpid()
        found |= {pid for pid, *_ in table if pid != me and has_token(pid, token)}
    found.discard(os.getpid())
    return found


def kill_tree(leader: int, token: str | None = None) -> None:
    for _ in range(3):  # a second pass catches children forked while we were killing
        victims = agent_processes(leader, token) - {leader}
        if not victims:
            return
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


# -- specs: cmd:<command line>, named engines, isolated agents --------------------------

def _resolve(argv: list[str]) -> list[str]:
    """Check the program exists and is executable, with a one-line error if not."""
    if not argv:
        raise ArenaError("cmd: needs a command line, e.g. cmd:python3 my_bot.py")
    program = argv[0]
    if os.sep in program:
        if not os.path.isfile(program):
            raise ArenaError(f"cmd: no such file {program!r}")
        if not os.access(program, os.X_OK):
            raise ArenaError(f"cmd: {program!r} is not executable (chmod +x it, or run it "
                             f"through its interpreter, e.g. cmd:python3 {program})")
        return argv
    found = shutil.which(program)
    if not found:
        raise ArenaError(f"cmd: no program {program!r} on PATH; give a path or an installed program")
    return [found, *argv[1:]]


def _memory_from_env() -> int | None:
    value = os.environ.get("ARENA_AGENT_MEMORY_MB")
    if not value:
        return None
    if not value.isdigit():
        raise ArenaError(f"ARENA_AGENT_MEMORY_MB must be a whole number of megabytes, not {value!r}")
    return int(value)


class CommandAgent(SubprocessAgent):
    """`cmd:<command line>`: any executable speaking the protocol, quoted as in a shell.
    ARENA_AGENT_MEMORY_MB sets a memory limit, ARENA_AGENT_LOGS the folder of stderr logs."""

    raw_param = "command"  # the spec's text after "cmd:" is the command line, whole

    def __init__(self, env_info: EnvInfo, command: str = ""):
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise ArenaError(f"cmd: cannot parse command line {command!r}: {exc}") from None
        super().__init__(env_info, _resolve(argv), name=Path(argv[0]).name,
                         memory_mb=_memory_from_env())


def command_agent(command: str | Sequence[str], name: str | None = None) -> type[SubprocessAgent]:
    """For plugins: an agent class running a fixed command, to register by name, e.g.
    `my_engine = command_agent("my-engine --protocol")` then
    `register("my-engine", "my_plugin:my_engine")`."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)

    class Engine(SubprocessAgent):
        def __init__(self, env_info: EnvInfo):
            super().__init__(env_info, _resolve(argv), name=name or Path(argv[0]).name,
                             memory_mb=_memory_from_env())

    Engine.__name__ = Engine.__qualname__ = f"Engine_{re.sub(r'[^A-Za-z0-9_]', '_', name or argv[0])}"
    return Engine


def serve_argv(spec: str, env_id: str) -> list[str]:
    """The command that serves a registered agent over the protocol."""
    return [sys.executable, "-m", "arena", "serve-agent", spec, "--game", env_id]


def isolated(spec: str, env_id: str, **options: Any) -> SubprocessAgent:
    """Any agent spec, run in its own process through `arena serve-agent` (--isolate)."""
    from arena.api import cannot_play, make_env
    from arena.agents import parse_agent_spec
    from arena.plugins import get_registry

    env_info = options.pop("env_info", None) or make_env(env_id).info
    name, _ = parse_agent_spec(spec)
    factory = get_registry().agent(name).load()  # unknown agents fail here, with the usual hint
    if isinstance(factory, type) and issubclass(factory, SubprocessAgent):
        from arena.api import make_agent

        return make_agent(spec, env_info)  # in its own process already
    reason = cannot_play(name, env_info)
    if reason:
        raise ArenaError(f"agent {name} cannot play {env_info.id}: it {reason}")
    return SubprocessAgent(env_info, serve_argv(spec, env_id), name=spec, **options)


# -- agent side --------------------------------------------------------------------------

class RemoteObservation:
    """The agent-side twin of arena.agents.Observation, built from an `act` message."""

    __slots__ = ("seat", "time_left", "legal_actions", "_flat", "_shape", "_state", "_env")

    def __init__(self, view: Mapping[str, Any], time_left: float | None,
                 shape: Sequence[int], env: Env | None):
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

    def forward_model(self) -> Any:
        if self._state is None or self._env is None:
            raise ArenaError("no forward model: the host sent no state")
        return self._env.clone_state().get_game().deserialize_state(self._state)

    def action_to_string(self, action: int) -> str:
        if self._state is not None and self._env is not None:
            return self.forward_model().action_to_string(self.seat, action)
        return str(action)


def _answer(action: Any) -> Any:
    """An action as JSON: ints stay ints; anything else goes as text for the host to judge."""
    if isinstance(action, (bool, np.bool_)):
        return repr(action)
    if isinstance(action, (int, np.integer)):
        return int(action)
    return repr(action)[:80]


def serve(agent: Agent, *, name: str, version: str = "", env: Env | None = None,
          stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> int:
    """Answer the protocol for `agent` until `quit` or end of input; returns an exit code.
    `env`, the same game built locally, lets forward-model agents plan on the host's state."""
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer

    def send(message: dict) -> None:
        stdout.write(encode(message))
        stdout.flush()

    hello = decode(stdin.readline(), MAX_HOST_MESSAGE)
    if PROTOCOL_VERSION not in (hello.get("protocols") or []):
        send({"type": "error", "message": f"{name} speaks protocol {PROTOCOL_VERSION}, "
                                          f"not {hello.get('protocols')}"})
        return 2
    send({"type": "hello", "name": name, "version": version, "protocol": PROTOCOL_VERSION,
          "forward_model": bool(agent.needs_forward_model)})
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
        observations = {int(v["seat"]): RemoteObservation(v, left, shape, env)
                        for v in message["observations"]}
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
