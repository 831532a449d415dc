"""The kit every trainer shares: flags, budget, run folder, metrics, evaluation games,
checkpoints.

A trainer registered through `register_trainers` builds its click command with
`@trainer_command(name)`, which gives it the common flags:

    --minutes M  --cpu-minutes M  --steps N   budget; training stops at whichever ends first;
                                              --steps counts env steps (STEPS_HELP), for every trainer
    --out DIR    --seed S  --resume           the run folder; --resume continues from DIR/latest.pt
    --db PATH    --workers N                  store of evaluation games; processes
    --set KEY=VALUE (repeatable)  --no-progress

Run folder (`Run`):

    DIR/latest.pt         everything needed to resume (weights, optimiser, trainer state), atomic
    DIR/iter_NNNNNN.pt    the weights at an evaluation; plays as `TRAINER:checkpoint=PATH`
    DIR/metrics.jsonl     one JSON object per iteration (fields: docs/training.md)
    DIR/arena.db          evaluation games, unless --db or $ARENA_DB names another store

Evaluation games are stored under the tournament name ``train:DIR`` with the checkpoint's
agent spec as player name, so each evaluated checkpoint has its own row on the leaderboard.
SIGTERM ends a run like Ctrl-C: through the final checkpoint.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
import time
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from arena.checkpoints import load_checkpoint, prepare_run_dir
from arena.errors import ArenaError
from arena.progress import TrainingLines


@dataclasses.dataclass
class Options:
    """The common flags, as every trainer receives them."""

    env_id: str
    out: Path
    minutes: float | None = None
    cpu_minutes: float | None = None
    steps: int | None = None
    seed: int = 1
    resume: bool = False
    db: str | None = None
    workers: int = 1
    overrides: tuple[str, ...] = ()
    progress: bool = True

    def budget_text(self) -> str:
        """The budget as given, e.g. '10 minutes' or '20,000 steps' ('the default steps')."""
        parts = [
            f"{value:g} {unit}"
            for value, unit in ((self.minutes, "minutes"), (self.cpu_minutes, "CPU minutes"))
            if value is not None
        ]
        if self.steps is not None:
            parts.append(f"{self.steps:,} steps")
        return " or ".join(parts) or "the default steps"

    def check(self) -> None:
        """One-line errors for budgets and counts, before anything is written."""
        for flag, value in (("--minutes", self.minutes), ("--cpu-minutes", self.cpu_minutes)):
            if value is not None and value <= 0:
                raise ArenaError(f"{flag} must be > 0, got {value:g}")
        if self.steps is not None and self.steps <= 0:
            raise ArenaError(f"--steps must be > 0, got {self.steps}")
        if self.workers < 1:
            raise ArenaError(f"--workers must be 1 or more, got {self.workers}")


STEPS_HELP = (
    "Budget in env steps: moves of one game (one decision in turn-based games, one joint step of all seats in "
    "simultaneous ones), summed over parallel games and worker processes, for the whole run"
)


def trainer_command(name: str, *extra_options, default_steps: int | None = None):
    """Decorator: a click command `name` ENV_ID with the common flags (and any `extra_options`,
    click.option decorators whose values are passed as keywords), calling f(options, **extra)."""

    def wrap(f: Callable[..., Any]):
        @click.command(name, help=f.__doc__)
        @click.argument("env_id")
        @click.option("--minutes", type=float, default=None, help="Wall-clock budget.")
        @click.option(
            "--cpu-minutes",
            type=float,
            default=None,
            help="CPU-time budget (the trainer's process; PPO's rollout workers too).",
        )
        @click.option(
            "--steps",
            type=int,
            default=None,
            help=STEPS_HELP + (f"; {default_steps:,} if no budget" if default_steps else "") + ".",
        )
        @click.option(
            "--out", type=click.Path(path_type=Path), default=None, help=f"Run folder (default runs/{name}-GAME)."
        )
        @click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=1, show_default=True)
        @click.option("--resume", is_flag=True, help="Continue from OUT/latest.pt.")
        @click.option("--db", default=None, help="Store of evaluation games (default $ARENA_DB, else OUT/arena.db).")
        @click.option("--workers", type=int, default=1, show_default=True, help="Processes.")
        @click.option(
            "--set",
            "overrides",
            multiple=True,
            metavar="KEY=VALUE",
            help="Any other setting of the trainer, e.g. --set lr=3e-4.",
        )
        @click.option("--no-progress", is_flag=True, help="No progress bar.")
        def command(
            env_id, minutes, cpu_minutes, steps, out, seed, resume, db, workers, overrides, no_progress, **extra
        ):
            options = Options(
                env_id,
                out or Path("runs") / f"{name}-{_slug(env_id)}",
                minutes,
                cpu_minutes,
                steps,
                seed,
                resume,
                db,
                workers,
                tuple(overrides),
                not no_progress,
            )
            options.check()
            # `kill` ends through the final checkpoint; the caller's handler is back afterwards
            # (the command also runs inside other processes: tests, notebooks).
            previous = signal.signal(signal.SIGTERM, _interrupt)
            try:
                result = f(options, **extra)
            finally:
                signal.signal(signal.SIGTERM, previous)
            if result is not None:
                click.echo(json.dumps(result, default=str))

        for option in reversed(extra_options):
            command = option(command)
        return command

    return wrap


def _slug(env_id: str) -> str:
    return env_id.replace("/", "-").replace(":", "-").replace(",", "-").replace("=", "")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def overrides_for(cls: type, items: tuple[str, ...]) -> dict[str, Any]:
    """--set key=value pairs typed by the dataclass `cls`'s annotations."""
    from arena.agents import convert_value

    hints = typing.get_type_hints(cls)
    changes = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or key not in hints:
            raise ArenaError(f"--set {item!r}: expected KEY=VALUE with KEY one of {', '.join(hints)}")
        changes[key] = convert_value(value, hints[key], f"--set {key}")
    return changes


def store_path(db: str | None, out: Path) -> Path:
    """Where a run's evaluation games go: --db, else $ARENA_DB, else OUT/arena.db."""
    return Path(db or os.environ.get("ARENA_DB") or Path(out) / "arena.db")


def open_store(db: str | None, out: Path):
    from arena.store import Store

    return Store(store_path(db, out))


def tournament_name(out: Path) -> str:
    """The tournament a run's evaluation games are stored under."""
    return f"train:{out}"


class Budget:
    """Where a run stands against its budgets: wall seconds, CPU seconds (this process and
    the worker processes a trainer declares with `count_cpu_of`) and steps, each carried
    over on resume."""

    def __init__(self, options: Options, default_steps: int | None = None, before: dict[str, float] | None = None):
        before = before or {}
        self.total_steps = options.steps or (None if (options.minutes or options.cpu_minutes) else default_steps)
        self.total_seconds = options.minutes * 60 if options.minutes else None
        self.total_cpu = options.cpu_minutes * 60 if options.cpu_minutes else None
        self.steps = int(before.get("step", 0))
        self._wall0 = time.time() - before.get("elapsed", 0.0)
        self._cpu0 = time.process_time() - before.get("cpu", 0.0)
        self._cpu_elsewhere: list[Callable[[], float]] = []

    def count_cpu_of(self, cpu_seconds: Callable[[], float] | None) -> None:
        """Count the CPU time of other processes (a trainer's rollout workers): `cpu_seconds()`
        is their total since they started."""
        if cpu_seconds is not None:
            self._cpu_elsewhere.append(cpu_seconds)

    def add_steps(self, n: int) -> None:
        self.steps += n

    def seconds(self) -> float:
        return time.time() - self._wall0

    def cpu_seconds(self) -> float:
        return time.process_time() - self._cpu0 + sum(count() for count in self._cpu_elsewhere)

    def fraction(self) -> float:
        parts = [0.0]
        if self.total_steps:
            parts.append(self.steps / self.total_steps)
        if self.total_seconds:
            parts.append(self.seconds() / self.total_seconds)
        if self.total_cpu:
            parts.append(self.cpu_seconds() / self.total_cpu)
        return max(parts)


class Run:
    """One training run's folder, metrics and checkpoints.

    `end_iteration` appends the metrics line (iteration, step, elapsed, cpu, sps + the trainer's
    fields), writes latest.pt every `checkpoint_every` iterations and evaluates every
    `eval_every` seconds (or every `eval_iterations` iterations, when given) through
    `evaluate(model, name, store, tournament) -> metrics`, after saving the weights the
    evaluation games are played with as iter_NNNNNN.pt.

    A run whose progress goes to a log (stdout not a terminal) writes plain lines instead of the
    bar, which prints nothing into a log (`TrainingLines`): one as it starts, one per stage and
    evaluation, and the iterations' metrics at most every 30 s; with `describe(title, row) ->
    str`, that line per evaluation or every `log_every` iterations. `note` says what a long
    stretch inside an iteration is doing."""

    def __init__(
        self,
        trainer: str,
        options: Options,
        spec: Callable[[Any], dict[str, Any]],
        default_steps: int | None = None,
        checkpoint_every: int = 10,
        eval_every: float = 300.0,
        evaluate: Callable | None = None,
        progress_title: str = "",
        eval_iterations: int | None = None,
        describe: Callable[[str, dict[str, Any]], str] | None = None,
        log_every: int = 50,
    ):
        self.trainer, self.options, self.spec = trainer, options, spec
        self.seed = options.seed
        self.out = prepare_run_dir(options.out)
        self.checkpoint_every, self.eval_every, self.evaluate = checkpoint_every, eval_every, evaluate
        self.eval_iterations = eval_iterations
        self.iteration = 0
        self.last: dict[str, Any] = {}
        self._saved: dict[str, Any] = {}
        self._state: dict[str, Any] = {}
        if options.resume:
            self._state = load_checkpoint(self.out / "latest.pt")
            if not isinstance(self._state, dict) or self._state.get("trainer") != trainer:
                raise ArenaError(f"{self.out / 'latest.pt'} is not a {trainer} run to resume")
            self.iteration = int(self._state["iteration"])
        self.budget = Budget(options, default_steps, self._state.get("budget"))
        self._last_eval = self.budget.seconds()
        self._metrics = open(self.out / "metrics.jsonl", "a")
        self._iter_time, self._iter_steps = time.time(), self.budget.steps
        title = progress_title or f"{trainer} {options.env_id}"
        self.log = TrainingLines(title, enabled=options.progress and not sys.stdout.isatty())
        self.describe, self.log_every = describe, log_every or eval_iterations or 50
        self._shown = (self.budget.seconds(), self.budget.steps)  # at the last line: steps/s since
        self._bar = _Progress(options.progress and not self.log.enabled, title)
        self.log.start({"budget": options.budget_text(), "run folder": self.out})

    # -- resume and checkpoints -------------------------------------------------------------

    def restore(self, **objects) -> dict[str, Any]:
        """Load each object's state_dict from latest.pt when resuming; the whole saved dict."""
        for key, obj in objects.items():
            if key in self._state:
                obj.load_state_dict(self._state[key])
        return self._state

    def save(self, path: Path, full: bool, model, **objects) -> None:
        """Weights (and with full=True everything in `objects`), atomically, as plain data."""
        import torch

        data = {
            "trainer": self.trainer,
            **self.spec(model),
            "model": model.state_dict(),
            "env_id": self.options.env_id,
            "iteration": self.iteration,
            "global_step": self.budget.steps,
            "budget": {"step": self.budget.steps, "elapsed": self.budget.seconds(), "cpu": self.budget.cpu_seconds()},
        }
        if full:
            data.update({k: (v.state_dict() if hasattr(v, "state_dict") else v) for k, v in objects.items()})
        tmp = path.with_name(path.name + ".tmp")
        torch.save(data, tmp)
        os.replace(tmp, path)  # a crash mid-write never leaves a broken checkpoint

    def end_iteration(self, metrics: dict[str, Any], model, **objects) -> None:
        self.iteration += 1
        self._saved = {"model": model, **objects}
        now = time.time()
        row = {
            "iteration": self.iteration,
            "step": self.budget.steps,
            "elapsed": round(self.budget.seconds(), 2),
            "cpu": round(self.budget.cpu_seconds(), 2),
            "sps": round((self.budget.steps - self._iter_steps) / max(now - self._iter_time, 1e-9)),
            **metrics,
        }
        self._iter_time, self._iter_steps = now, self.budget.steps
        if self.evaluate and self._evaluation_due():
            row.update(self.run_evaluation(model))
        self.write(row)
        if self.iteration % self.checkpoint_every == 0:
            self.save(self.out / "latest.pt", True, **self._saved)

    def _evaluation_due(self) -> bool:
        if self.eval_iterations is not None:
            return self.iteration % self.eval_iterations == 0
        return self.budget.seconds() - self._last_eval >= self.eval_every

    def run_evaluation(self, model) -> dict[str, Any]:
        self._last_eval = self.budget.seconds()
        path = self.out / f"iter_{self.iteration:06d}.pt"
        self.save(path, False, model)
        store = self.open_store()
        name = f"{self.trainer}:checkpoint={path}"
        store.tag_agent(name, env_id=self.options.env_id, run=str(self.out), step=self.budget.steps)
        assert self.evaluate is not None, "run_evaluation needs the evaluate callable"
        try:
            return self.evaluate(model, name, store, self.tournament)
        finally:
            store.close()

    @property
    def tournament(self) -> str:
        return tournament_name(self.out)

    def open_store(self):
        return open_store(self.options.db, self.out)

    def note(self, doing: str, fields: dict[str, Any] | None = None, force: bool = False) -> None:
        """A progress line for a log, at most one every 30 s unless `force`d: what the run is
        doing, its step, steps/s since the last line and `fields`. Long stretches of work
        inside an iteration (the first games of a large game) call this as they go."""
        now, steps = self.budget.seconds(), self.budget.steps
        rate = round((steps - self._shown[1]) / max(now - self._shown[0], 1e-9)) if steps > self._shown[1] else None
        if self.log(doing, {"step": steps, **(fields or {}), "steps/s": rate}, force):
            self._shown = (now, steps)

    def write(self, row: dict[str, Any]) -> None:
        self.last = row
        self._metrics.write(json.dumps(row, default=_plain) + "\n")
        self._metrics.flush()
        self._bar.update(self.budget.fraction(), row)
        evaluated = any(k.startswith("eval_") for k in row)
        if row.get("final"):
            self.log("finished", {k: v for k, v in row.items() if k != "final"}, force=True)
        elif self.describe is not None:
            if self.log.enabled and (evaluated or row["iteration"] % self.log_every == 0):
                self.log.write(self.describe(self.log.title, row))
        else:
            shown = {k: v for k, v in row.items() if k not in ("iteration", "step", "elapsed", "cpu", "sps")}
            self.note(f"iteration {row['iteration']}", shown, force=evaluated)

    def final(self, metrics: dict[str, Any]) -> None:
        """Extra figures measured after the last iteration (a line of their own)."""
        self.write(
            {
                "iteration": self.iteration,
                "step": self.budget.steps,
                "final": True,
                "elapsed": round(self.budget.seconds(), 2),
                "cpu": round(self.budget.cpu_seconds(), 2),
                **metrics,
            }
        )

    def close(self) -> None:
        """The last checkpoint, whatever ended the run."""
        if self._saved:
            self.save(self.out / "latest.pt", True, **self._saved)
        self._bar.close()
        self._metrics.close()


def _plain(x):
    return x.item() if hasattr(x, "item") else str(x)


class _Progress:
    def __init__(self, enabled: bool, title: str):
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[info]}"),
            disable=not enabled,
        )
        self.task = self.bar.add_task(title, total=1.0, info="")
        self.bar.start()

    def update(self, fraction: float, m: dict[str, Any]) -> None:
        info = f"step {m.get('step', 0):,}  {m.get('sps', 0)} steps/s"
        for key in ("exploitability", "episode_return"):
            if isinstance(m.get(key), (int, float)):
                info += f"  {key} {m[key]:.4g}"
        self.bar.update(self.task, completed=min(fraction, 1.0), info=info)

    def close(self) -> None:
        self.bar.stop()
