"""Progress for logs: one plain line per finished game (or every N), standings every M.

When stderr is a terminal, `arena tournament` and `arena match` draw a live table with rich;
redirected (CI, `nohup`, `> log 2>&1`) that table would print nothing until the end, so these
lines are written instead, each flushed as it is written. The game line follows
cutechess-cli's `Score of A vs B: W - L - D [score] N`:

    [0:00:03] game 12/120 mcts:sims=100 vs random: 1-0 (normal, 14 moves, 0.41 s thinking)
              Score of mcts:sims=100 vs random: 5 - 1 - 0 [0.833] 6

W - L - D counts the first agent's wins, losses and draws against the second, over this
pairing's finished games (stored ones included), and [score] is its mean score.
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import combinations

from arena.referee import GameRecord


def result_text(scores: Sequence[float]) -> str:
    """'1-0', '0-1', '½-½' for two players; the scores otherwise ('1 0.5 0')."""
    if len(scores) == 2 and sorted(scores) in ([0.0, 1.0], [0.5, 0.5]):
        decisive: dict[tuple[float, ...], str] = {(1.0, 0.0): "1-0", (0.0, 1.0): "0-1"}
        return decisive.get(tuple(scores), "½-½")
    return " ".join(f"{s:g}" for s in scores)


def clock(seconds: float) -> str:
    minutes, s = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{s:02d}"


class PairScore:
    """Wins, losses and draws of `a` against `b` (cutechess order: W - L - D)."""

    def __init__(self, a: str, b: str):
        self.a, self.b, self.wld = a, b, [0, 0, 0]

    def add(self, score_a: float, score_b: float) -> None:
        self.wld[0 if score_a > score_b else 1 if score_a < score_b else 2] += 1

    def __str__(self) -> str:
        w, l, d = self.wld
        n = w + l + d
        return f"Score of {self.a} vs {self.b}: {w} - {l} - {d} [{(w + d / 2) / n:.3f}] {n}"


class LineProgress:
    """The runner's Progress as plain lines. `every`: a game line every N games (and always
    for the last); `standings_every`: the online-Elo standings every M games (0: never;
    None: every tenth of the run). `sprt`: a match's test, whose LLR goes on each line."""

    def __init__(
        self,
        title: str,
        write: Callable[[str], None] | None = None,
        every: int = 1,
        standings_every: int | None = None,
        sprt=None,
        k: float = 16.0,
        now: Callable[[], float] = time.monotonic,
    ):
        from arena.ratings import OnlineElo

        self.title, self.every, self.standings_every, self.sprt = title, every, standings_every, sprt
        self.write = write or _stderr_line
        self.now, self.elo = now, OnlineElo(k=k)
        self.pairs: dict[tuple[str, str], PairScore] = {}
        self.points: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])  # games, points
        self.total = self.finished = self.stored = 0
        self.began = now()
        self.order: dict[str, int] = {}

    # -- the runner's Progress interface ---------------------------------------------------
    def start(self, total: int, done: list[GameRecord]) -> None:
        self.total, self.stored, self.began = total, len(done), self.now()
        for record in done:
            self._count(record)
        if self.standings_every is None:
            self.standings_every = max(1, total // 10)
        todo = max(total - len(done), 0)
        self.write(
            f"{self.title}: {total} games, {len(done)} stored already, {todo} to play"
            + ("" if self.every == 1 else f" (a line every {self.every} games)")
        )

    def game(self, record: GameRecord) -> None:
        self._count(record)
        self.finished += 1
        n = self.stored + self.finished
        last = n >= self.total
        if self.finished % self.every == 0 or last:
            self.write(self.game_line(n, record))
        if self.standings_every and (self.finished % self.standings_every == 0 or last):
            for line in self.standings(n):
                self.write(line)

    def stop(self) -> None:
        pass

    # -- lines -----------------------------------------------------------------------------
    def _count(self, record: GameRecord) -> None:
        for p in record.players:
            self.order.setdefault(p, len(self.order))
        for x, y in combinations(range(len(record.players)), 2):
            a, b = record.players[x], record.players[y]
            sa, sb = record.scores[x], record.scores[y]
            self.elo.update(a, b, 1.0 if sa > sb else 0.0 if sa < sb else 0.5)
            if self.order[a] > self.order[b]:  # one PairScore per pairing, first-seen agent first
                a, b, sa, sb = b, a, sb, sa
            self.pairs.setdefault((a, b), PairScore(a, b)).add(sa, sb)
        for p, s in zip(record.players, record.scores):
            self.points[p][0] += 1
            self.points[p][1] += s

    def game_line(self, n: int, record: GameRecord) -> str:
        how = record.termination + (f": {record.reason[:80]}" if record.reason else "")
        thinking = sum(record.latencies)
        line = (
            f"[{clock(self.now() - self.began)}] game {n}/{self.total} {' vs '.join(record.players)}: "
            f"{result_text(record.scores)} ({how}, {record.plies} moves, {thinking:.2f} s thinking)"
        )
        if len(record.players) == 2:
            a, b = sorted(record.players[:2], key=lambda p: self.order[p])
            if a != b:
                line += f"\n    {self.pairs[a, b]}"
        if self.sprt is not None:
            lower, upper = self.sprt.lower, self.sprt.upper
            pairs = sum(self.sprt.counts)
            line += f"\n    LLR {self.sprt.llr:+.3f} [{lower:.3f}, {upper:.3f}] after {pairs} pairs"
        return line

    def standings(self, n: int) -> list[str]:
        import numpy as np

        from arena.ratings import gauge

        # the final board's zero point (random = 0 when it plays, else mean 0)
        names = list(self.elo.ratings)
        shifted, zero = gauge(np.array([self.elo.ratings[a] for a in names]), names)
        ranked = sorted(zip(names, shifted.tolist()), key=lambda kv: -kv[1])
        width = max(len(name) for name, _ in ranked)
        lines = [
            f"Standings after {n}/{self.total} games (online Elo, K = {self.elo.k:g}, {zero}; "
            "the final table uses the full fit):"
        ]
        for rank, (name, rating) in enumerate(ranked, 1):
            games, points = self.points[name]
            lines.append(
                f"  {rank:>3}. {name:<{width}} {rating:+6.0f}  {games} games, score {100 * points / games:.1f}%"
            )
        return lines


class TrainingLines:
    """A training run's progress for logs. Off a terminal a progress bar prints nothing until
    the run ends (hours on a large game), so a trainer writes plain lines, each flushed: the
    first as it starts (`start`), one at each stage (`force`), the first of its work at once,
    then at most one every `every` seconds. A line says what the run is doing and names its fields:

        [0:00:41] muzero openspiel/chess: self-play and learning, step 11,264, gradient steps 96, games 0, replay 11,264, loss 9.173, steps/s 283

    They go to stdout, where the trainers' bars are drawn. `enabled=None`: when stdout is not
    a terminal (`arena train ... > log`); on a terminal the bar shows the same. The clock
    counts from the start of the process (Linux), so the first stamp says how long the user
    waited for it."""

    def __init__(
        self,
        title: str,
        every: float = 30.0,
        enabled: bool | None = None,
        write: Callable[[str], None] | None = None,
        now: Callable[[], float] = time.monotonic,
    ):
        self.title, self.every = title, every
        self.enabled = not sys.stdout.isatty() if enabled is None else enabled
        self.write, self.now = write or _stdout_line, now
        self.began = now() - (process_age() if now is time.monotonic else 0.0)
        self.last: float | None = None

    def start(self, fields: dict | None = None) -> None:
        """The first line, as a run starts."""
        self("starting", fields, force=True)

    def __call__(self, doing: str, fields: dict | None = None, force: bool = False) -> bool:
        """Write a line unless one was written less than `every` seconds ago; True if written.
        A `force`d line (a start, a stage, an evaluation) is written at once and does not hold
        back the next line of work."""
        if not self.enabled:
            return False
        at = self.now()
        if not force:
            if self.last is not None and at - self.last < self.every:
                return False
            self.last = at
        self.write(f"[{clock(at - self.began)}] {self.title}: {doing}{_named(fields)}")
        return True


def process_age() -> float:
    """Seconds since this process started, from /proc (0 where there is none)."""
    try:
        with open("/proc/self/stat") as f:
            started = int(f.read().rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - started)
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def _named(fields: dict | None) -> str:
    return "".join(f", {key} {_number(value)}" for key, value in (fields or {}).items() if value is not None)


def _number(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 100:
        return f"{int(value):,}"
    return f"{value:.4g}"


def _stdout_line(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _stderr_line(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


STOP_GRACE_S = 10.0  # after a Ctrl-C, how long stopping may take before the arena just exits


@contextmanager
def resume_notice(store_path, saved: Callable[[], int], argv: Sequence[str] | None = None) -> Iterator[None]:
    """On Ctrl-C (SIGINT), say at once that the finished games are saved and how to resume,
    then stop as Ctrl-C does (KeyboardInterrupt); in-flight games are dropped. Should
    stopping hang (a worker that will not die, a lock left held), the process exits with
    130 anyway after STOP_GRACE_S, leaving where it hung in a file."""
    argv = list(sys.argv[1:] if argv is None else argv)
    previous = signal.getsignal(signal.SIGINT)

    def notice(signum, frame):
        signal.signal(signal.SIGINT, previous)  # a second Ctrl-C stops at once
        _stderr_line(
            f"\nstopping: {saved()} finished games are saved in {store_path}; games in progress are "
            f"dropped. To resume, run the same command again: arena {shlex.join(argv)}"
        )
        threading.Thread(target=_exit_if_still_stopping, name="stop watchdog", daemon=True).start()
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGINT, notice)
    except ValueError:  # not the main thread (e.g. called from a library): leave Ctrl-C alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _exit_if_still_stopping() -> None:
    """Every game worth keeping is stored before the notice; a Ctrl-C must not leave the
    user waiting on a clean-up that hangs. The stacks say where it hung, for a bug report."""
    time.sleep(STOP_GRACE_S)
    import faulthandler
    import tempfile

    try:  # whatever fails here (no temp folder, a closed stream), the exit must still happen
        with tempfile.NamedTemporaryFile("w", prefix="arena-stopping-", suffix=".txt", delete=False) as f:
            faulthandler.dump_traceback(file=f, all_threads=True)
        _stderr_line(f"stopping took over {STOP_GRACE_S:g} s; exiting anyway (where it hung: {f.name})")
        sys.stdout.flush()
    finally:
        os._exit(130)
