"""Time a task was ready to run but had no core, so that clocks can leave it uncharged on a
busy machine. Linux reads /proc/.../schedstat; elsewhere everything reads zero and clocks are
plain wall time."""

from __future__ import annotations

import os


class SchedStat:
    """A task's scheduler counters from /proc/.../schedstat (kernel Documentation/scheduler/
    sched-stats.rst): seconds on a CPU, and seconds waiting on a run queue (runnable, not
    running). On a busy machine the second is the time an agent, or the host reading its
    answer, lost to other processes; the clock does not charge it. A wait in progress is
    counted only once the task runs again, so `runnable()` (state R now) tells the rest.
    Reads zeros where the kernel keeps no schedstats."""

    def __init__(self, pid: int | str, tid: int | None = None):
        base = f"/proc/{pid}" + (f"/task/{tid}" if tid is not None else "")
        self.fd, self.stat_fd = _open(f"{base}/schedstat"), _open(f"{base}/stat")

    def __call__(self) -> tuple[float, float]:
        if self.fd is None:
            return 0.0, 0.0
        try:
            on_cpu, waiting = os.pread(self.fd, 128, 0).split()[:2]
            return int(on_cpu) / 1e9, int(waiting) / 1e9
        except (OSError, ValueError):
            return 0.0, 0.0

    def runnable(self) -> bool:
        if self.stat_fd is None:
            return False
        try:
            return os.pread(self.stat_fd, 512, 0).rsplit(b")", 1)[1].split()[0] == b"R"
        except (OSError, IndexError):
            return False

    def close(self) -> None:
        for fd in (self.fd, self.stat_fd):
            if fd is not None:
                os.close(fd)
        self.fd = self.stat_fd = None


def _open(path: str) -> int | None:
    try:
        return os.open(path, os.O_RDONLY)
    except OSError:
        return None


def later_deadline(
    start: float, budget: float, now: float, waited: float, cpu_used: float, runnable: bool
) -> float | None:
    """At the deadline of an answer due `budget` seconds after `start`: a later deadline when
    the agent lost time waiting for a core (`waited` so far), or, while it is runnable now and
    has had less than `budget` seconds of CPU, one more 20 ms slice; never past twice the budget
    plus a second. None: the answer is late."""
    limit = start + 2 * budget + 1.0
    later = start + budget + waited
    if later <= now + 1e-4 and runnable and cpu_used < budget:
        later = now + min(0.02, budget / 2)
    return min(later, limit) if later > now + 1e-4 and now < limit else None
