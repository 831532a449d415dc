"""Linux process control: kill an agent's whole process tree, and make children die with
the arena. Only the functions touch Linux interfaces (/proc, prctl, unshare), so importing
this module works everywhere; on other systems the extra safety nets are simply absent.

Where `unshare --pid` works (root, or unprivileged user namespaces) each agent runs as the
first process of its own PID namespace: when that process dies, or the `unshare` above it is
killed (it dies with the arena through PR_SET_PDEATHSIG), the kernel kills every process in
the namespace, so nothing an agent starts (double-forked, setsid'd, environment cleared)
outlives it, even after `kill -9` of the arena. ARENA_AGENT_PIDNS=0 turns this off."""

from __future__ import annotations

import ctypes
import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable

TOKEN_VAR = "ARENA_AGENT_TOKEN"  # inherited by everything an agent spawns, so we can find it
_PR_SET_PDEATHSIG = 1


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up in the parent (the child between fork and exec only calls
    it); None where there is none (macOS)."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (AttributeError, OSError):
        return None


DEFAULT_MEMORY_MB = 4096  # address space per agent process; a MuZero serve-agent maps ~0.6 GB


def memory_limit_mb() -> int | None:
    """The agent memory limit: ARENA_AGENT_MEMORY_MB (0 = none), else DEFAULT_MEMORY_MB."""
    from arena.errors import ArenaError

    value = os.environ.get("ARENA_AGENT_MEMORY_MB", "").strip()
    if not value:
        return DEFAULT_MEMORY_MB
    if not value.isdigit():
        raise ArenaError(f"ARENA_AGENT_MEMORY_MB must be a whole number of megabytes (0 = no limit), not {value!r}")
    return int(value) or None


@functools.cache
def pid_namespace_prefix() -> tuple[str, ...]:
    """The command that starts an agent in a fresh PID namespace, or () where none can be made."""
    if os.environ.get("ARENA_AGENT_PIDNS", "1") == "0" or not sys.platform.startswith("linux"):
        return ()
    unshare, true = shutil.which("unshare"), shutil.which("true")
    if not unshare or not true:
        return ()
    for prefix in (
        [unshare, "--pid", "--fork", "--kill-child"],
        [unshare, "--user", "--map-root-user", "--pid", "--fork", "--kill-child"],
    ):
        try:
            if subprocess.run([*prefix, true], capture_output=True, timeout=10).returncode == 0:
                return tuple(prefix)
        except (OSError, subprocess.SubprocessError):
            pass
    return ()


def die_with_parent() -> None:
    """This process gets SIGKILL when its parent dies (a pool worker, whose parent is the
    forkserver that exits with the arena)."""
    prctl = _prctl()
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def child_setup(memory_mb: int | None) -> Callable[[], None]:
    """Runs in the child between fork and exec: die with the arena even if it is killed
    with SIGKILL (no chance to clean up), and cap the address space if asked."""
    limit = memory_mb << 20 if memory_mb else None
    prctl = _prctl()

    def setup() -> None:
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return setup


def process_table() -> list[tuple[int, int, int, int, str]]:
    """(pid, ppid, pgid, sid, state) of every live process, read from /proc (empty where
    there is no /proc)."""
    rows: list[tuple[int, int, int, int, str]] = []
    try:
        entries = list(os.scandir("/proc"))
    except OSError:
        return rows
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        rows.append((int(entry.name), int(fields[1]), int(fields[2]), int(fields[3]), fields[0].decode()))
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


def agent_pid(leader: int) -> int:
    """The process that runs the agent: the leader itself, or, when the leader is the
    `unshare` of a PID namespace, its one child."""
    if not pid_namespace_prefix():
        return leader
    for pid, ppid, *_ in process_table():
        if ppid == leader:
            return pid
    return leader
