"""Linux process control: kill an agent's whole process tree, and make children die with
the arena. Only the functions touch Linux interfaces (/proc, prctl), so importing this
module works everywhere; on other systems the extra safety nets are simply absent."""

from __future__ import annotations

import ctypes
import functools
import os
import resource
import signal
from typing import Callable

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
    rows = []
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
