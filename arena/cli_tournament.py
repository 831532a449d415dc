"""`arena tournament`, `leaderboard`, `games`, `replay` and `match`: the commands over the store."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import click

from arena.cli import SEED
from arena.errors import ArenaError
from arena.progress import resume_notice

DB_HELP = "SQLite file of games (default: $ARENA_DB, else arena.db here)."


def _store(db: str | None, readonly: bool):
    from arena.store import Store

    return Store(db, readonly=readonly)


def _positive(value: int | None, flag: str) -> None:
    if value is not None and value < 1:
        raise ArenaError(f"{flag} must be at least 1, got {value}")


class LiveStandings:
    """A rich progress bar over the games with the top of the online-Elo table under it
    (on stderr, so stdout keeps only the final leaderboard)."""

    def __init__(self, title: str, k: float = 16.0, top: int = 10, enabled: bool = True, display=None):
        from arena.ratings import OnlineElo

        self.title, self.top, self.enabled, self.display = title, top, enabled, dict(display or {})
        self.elo = OnlineElo(k=k)
        self.live: Any = None  # rich's Live and Progress, made in start() when enabled
        self.progress: Any = None
        self.task: Any = None
        self.saved = 0  # finished games in the store (for the Ctrl-C notice)

    def start(self, total: int, done) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        for record in done:
            self._rate(record)
        self.saved = len(done)
        if not self.enabled:
            return
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()
        )
        self.task = self.progress.add_task(self.title, total=total, completed=len(done))
        self.live = Live(self._view(), console=Console(stderr=True), refresh_per_second=4, transient=False)
        self.live.start()

    def _rate(self, record) -> None:
        from itertools import combinations

        for x, y in combinations(range(len(record.players)), 2):
            a, b = record.players[x], record.players[y]
            sx, sy = record.scores[x], record.scores[y]
            self.elo.update(a, b, 1.0 if sx > sy else 0.0 if sx < sy else 0.5)

    def _view(self):
        import numpy as np
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        from arena.ratings import gauge

        # The final board's zero point (random = 0 when it plays, else mean 0), so the live
        # numbers and the final ones read on one scale.
        names = list(self.elo.ratings)
        values, zero = gauge(np.array([self.elo.ratings[n] for n in names]), names) if names else ([], "")
        table = Table(title=f"live online Elo (K = {self.elo.k:g}, {zero})", title_justify="left")
        table.add_column("agent")
        table.add_column("Elo", justify="right")
        ranked = sorted(zip(names, values), key=lambda kv: -kv[1])[: self.top]
        for name, rating in ranked:
            table.add_row(Text(self.display.get(name, name)), f"{rating:+.0f}")
        return Group(self.progress, table)

    def game(self, record) -> None:
        self._rate(record)
        self.saved += 1
        if self.live:
            self.progress.advance(self.task)
            self.live.update(self._view())

    def stop(self) -> None:
        if self.live:
            self.live.stop()
            self.live = None


def _display(
    title: str,
    quiet: bool,
    every: int | None,
    standings_every: int | None,
    sprt=None,
    default_standings: int | None = None,
    names=None,
):
    """A live table on a terminal; plain lines when stderr is redirected (logs, CI) or when
    --progress-every / --standings-every ask for them; nothing with --quiet."""
    from arena.progress import LineProgress

    _positive(every, "--progress-every")
    if standings_every is not None and standings_every < 0:
        raise ArenaError(f"--standings-every must be 0 (never) or more, got {standings_every}")
    if quiet:
        return LiveStandings(title, enabled=False)
    if sys.stderr.isatty() and every is None and standings_every is None:
        return LiveStandings(title, display=names)
    return LineProgress(
        title,
        every=every or 1,
        sprt=sprt,
        standings_every=default_standings if standings_every is None else standings_every,
    )


def _saved(display) -> int:
    from arena.progress import LineProgress

    return display.stored + display.finished if isinstance(display, LineProgress) else display.saved


PROGRESS_EVERY_HELP = "Off a terminal: a line every N finished games. [default: 1]"
STANDINGS_EVERY_HELP = "Off a terminal: standings every M games (0: never). [default: a tenth of the games]"


@click.command()
@click.argument("env_id")
@click.argument("agent_specs", nargs=-1, required=True)
@click.option("--games", type=int, default=None, help="Games per pairing (even for two-player games). [default: 10]")
@click.option(
    "--format", "fmt", type=click.Choice(["round-robin", "gauntlet", "swiss"]), default="round-robin", show_default=True
)
@click.option("--challenger", default=None, help="Gauntlet: this agent plays the field (default: the first).")
@click.option("--rounds", type=int, default=None, help="Swiss rounds (default log2 of the field); repeats otherwise.")
@click.option("--concurrency", type=int, default=None, help="Worker processes. [default: the number of cores]")
@click.option("--time-per-move", type=float, default=None, help="Seconds per move (plus the bank).")
@click.option("--time-bank", type=float, default=0.0, show_default=True, help="Extra seconds per game.")
@click.option(
    "--opening-plies",
    type=int,
    default=0,
    show_default=True,
    help="Random opening moves, the same in both games of a seat-swapped pair.",
)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--name", default=None, help="Tournament name; rerun with the same name to resume.")
@click.option("--db", default=None, help=DB_HELP)
@click.option("--backend", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--address", default=None, help="Ray cluster address (default: start a local Ray).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--progress-every", type=int, default=None, help=PROGRESS_EVERY_HELP)
@click.option("--standings-every", type=int, default=None, help=STANDINGS_EVERY_HELP)
@click.option("--isolate", is_flag=True, help="Run every agent in its own process (arena serve-agent).")
def tournament(
    env_id,
    agent_specs,
    games,
    fmt,
    challenger,
    rounds,
    concurrency,
    time_per_move,
    time_bank,
    opening_plies,
    seed,
    name,
    db,
    backend,
    address,
    quiet,
    progress_every,
    standings_every,
    isolate,
):
    """Run (or resume) a tournament and print its leaderboard:
    arena tournament openspiel/connect_four random mcts:sims=100 mcts:sims=1000 --games 20"""
    from rich.console import Console

    from arena.agents import split_display_name
    from arena.backends import default_concurrency, make_backend
    from arena.tournament import TournamentConfig, run_tournament

    _positive(concurrency, "--concurrency")
    named = [split_display_name(a) for a in agent_specs]  # NAME=SPEC: NAME is shown on the boards
    if challenger:
        named.append(split_display_name(challenger))
        challenger = named[-1][1]
    specs = [spec for _, spec in named[: len(agent_specs)]]
    config = TournamentConfig(
        env_id, specs, fmt, games, rounds, challenger, seed, time_per_move, time_bank, opening_plies, isolate
    )
    with _store(db, readonly=False) as store:
        runner = make_backend(
            backend, concurrency or default_concurrency(), address, env_id, specs + ([challenger] if challenger else [])
        )
        display = _display(
            f"tournament {env_id}", quiet, progress_every, standings_every, names={s: n for n, s in named if n}
        )
        try:
            with resume_notice(store.path, lambda: _saved(display)):
                result = run_tournament(config, store, runner, name, progress=display)
        finally:
            runner.close()
        for shown, spec in named:
            if shown:
                store.tag_agent(spec, env_id=env_id, display=shown)
        click.echo(
            f"tournament {result.name!r}: {len(result.records)} games ({result.played} played now) in {store.path}"
        )
        from arena.leaderboard.stored import board_from_store

        board_from_store(store, env_id, result.name, title=result.name).render_table(Console())


class _WarnAtStart:
    """A progress display that first prints a warning when the run starts (on stderr)."""

    def __init__(self, inner, warning: str):
        self.inner, self.warning = inner, warning

    def start(self, total, done) -> None:
        if self.warning:
            click.echo(self.warning, err=True)
        self.inner.start(total, done)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def _leaderboard(records, title: str, method: str = "bt", anchor=None, checkpoints=None, nash: bool = False, **options):
    """The old private entry point, kept for callers: `arena.leaderboard.stored.board_from_records`."""
    from arena.leaderboard.stored import board_from_records

    return board_from_records(records, title, method, anchor, checkpoints, nash, **options)


def _parse_anchor(text: str | None):
    if not text:
        return None
    agent, sep, value = text.rpartition("=")
    try:
        return {agent: float(value)} if sep and agent else _bad_anchor(text)
    except ValueError:
        return _bad_anchor(text)


def _bad_anchor(text: str):
    raise ArenaError(f"--anchor {text!r}: expected AGENT=ELO, e.g. random=0")


@click.command()
@click.argument("env_id")
@click.option("--db", default=None, help=DB_HELP)
@click.option("--tournament", "tournament_name", default=None, help="Only this tournament's games.")
@click.option("--method", type=click.Choice(["bt", "elo", "openskill"]), default="bt", show_default=True)
@click.option("--anchor", default=None, help="Fix one rating, e.g. random=0 (default: random = 0, else mean 0).")
@click.option("--json", "as_json", is_flag=True, help="Rows as JSON (keys: rank, agent, rating, ci_low, ...).")
@click.option("--csv", "as_csv", is_flag=True, help="Rows as CSV.")
@click.option("--markdown", is_flag=True, help="Ratings, crosstable and terminations as Markdown.")
@click.option("--html", "html_path", default=None, help="Write a self-contained HTML page here.")
@click.option("--title", default=None, help="Title of the board.")
@click.option(
    "--nash", is_flag=True, help="Add Nash averaging, a view for non-transitive populations (Markdown, HTML, table)."
)
@click.option("--los", "show_los", is_flag=True, help="Add the likelihood-of-superiority matrix (table, Markdown).")
@click.option(
    "--name",
    "name_args",
    multiple=True,
    metavar="NAME=SPEC",
    help="Show agent SPEC as NAME (repeatable), e.g. --name mcts100=mcts:sims=100.",
)
@click.option(
    "--prior",
    type=click.Choice(["auto", "field", "none"]),
    default="auto",
    show_default=True,
    help="none: plain maximum likelihood (as Ordo), only without perfect scores; field: half a "
    "virtual draw per agent and a prior estimated from the field; auto: none when every agent "
    "won and lost at least 5 points and no score is perfect, else field (docs/ratings.md).",
)
@click.option(
    "--intervals",
    type=click.Choice(["posterior", "bootstrap"]),
    default="posterior",
    show_default=True,
    help="95 % intervals from the posterior curvature, or from 200 refits on "
    "games re-drawn from the fit (docs/ratings.md).",
)
@click.option(
    "--no-exploitability",
    is_flag=True,
    help="Skip the exploitability column of small imperfect-information games (docs/training.md).",
)
def leaderboard(
    env_id,
    db,
    tournament_name,
    method,
    anchor,
    as_json,
    as_csv,
    markdown,
    html_path,
    title,
    nash,
    show_los,
    name_args,
    prior,
    intervals,
    no_exploitability,
):
    """Ratings with 95 % intervals, crosstable and terminations for one game."""
    from rich.console import Console

    if sum(map(bool, (as_json, as_csv, markdown))) > 1:
        raise ArenaError("choose one of --json, --csv, --markdown")
    from arena.leaderboard.stored import board_from_store

    with _store(db, readonly=True) as store:
        board = board_from_store(
            store,
            env_id,
            tournament_name,
            title=title,
            method=method,
            anchor=_parse_anchor(anchor),
            nash=nash,
            intervals=intervals,
            name_args=name_args,
            prior=prior,
        )
    if not no_exploitability:
        from arena.leaderboard.exploitability import add_exploitability

        add_exploitability(board, env_id)
    if as_json or as_csv or html_path:  # the table and Markdown print them themselves
        for warning in board.warnings:
            click.echo(f"warning: {warning}", err=True)
    if html_path:
        try:
            Path(html_path).write_text(board.to_html(), encoding="utf-8")
        except OSError as exc:
            raise ArenaError(f"cannot write --html {html_path}: {exc.strerror}") from None
    if as_json:
        click.echo(board.to_json())
    elif as_csv:
        click.echo(board.to_csv(), nl=False)
    elif markdown:
        click.echo(board.to_markdown(los=show_los), nl=False)
    elif not html_path:
        board.render_table(Console(), los=show_los)
    else:
        click.echo(f"wrote {html_path}")


GAMES_SHOWN = 50


@click.command()
@click.option("--db", default=None, help=DB_HELP)
@click.option("--tournament", "tournament_name", default=None, help="Only this tournament's games.")
@click.option("--env", "env_id", default=None, help="Only games of this env.")
@click.option("--agent", default=None, help="Only games of this agent (its exact spec).")
@click.option(
    "--termination",
    type=click.Choice(["normal", "illegal", "timeout", "crash", "protocol"]),
    default=None,
    help="Only games that ended this way.",
)
@click.option(
    "--limit",
    type=int,
    default=None,
    help=f"At most N games, newest first (0: all). [default: {GAMES_SHOWN} in the list, all in --json]",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON: full records with move names, in id order (the newest N with --limit).",
)
@click.option(
    "--pgn",
    "as_pgn",
    is_flag=True,
    help="Print two-player games as PGN (White = first seat) for Ordo, BayesElo, cutechess tools.",
)
def games(db, tournament_name, env_id, agent, termination, limit, as_json, as_pgn):
    """List stored games, newest first: one line each, in any width."""
    if limit is not None and limit < 0:
        raise ArenaError(f"--limit must be 0 (all) or more, got {limit}")
    if as_json and as_pgn:
        raise ArenaError("choose one of --json, --pgn")
    shown = (0 if as_json or as_pgn else GAMES_SHOWN) if limit is None else limit
    filters = {"env": env_id, "tournament": tournament_name, "agent": agent, "termination": termination}
    with _store(db, readonly=True) as store:
        total = store.count_games(**filters)
        rows = store.games(**filters, limit=shown or None, newest_first=True)
        display, typed = store.display_names(), store.typed_specs()
    names = {}  # stored spec -> the name boards show (display name, else the shortest spelling)
    if not as_json:
        from arena.leaderboard.names import identities

        for env in {g.record.env_id for g in rows}:
            ids = identities([p for g in rows if g.record.env_id == env for p in g.record.players], env, display, typed)
            names.update({s: shown for s, (shown, _) in ids.items()})
    if as_pgn:
        from arena.pgn import games_pgn

        return click.echo(games_pgn(list(reversed(rows)), names), nl=False)  # PGN in id order
    if as_json:
        from arena.notation import move_names

        data = [
            {
                "id": g.id,
                "tournament": g.tournament,
                "key": g.key,
                "created": g.created,
                **g.record.to_dict(),
                "move_names": move_names(g.record),
            }
            for g in reversed(rows)
        ]  # JSON keeps id order
        return click.echo(json.dumps(data, indent=2))
    for line in game_lines(rows, names):
        click.echo(line)
    more = f"; --limit {min(total, 10 * max(shown, 1))} shows more, --limit 0 all" if len(rows) < total else ""
    click.echo(f"{len(rows)} of {total} games, newest first{more}")
    click.echo(
        "result: points of each player in the order listed (1-0: the first won, ½-½: a draw); "
        "moves: steps played; a forfeit names its player and reason; `arena replay ID --render` "
        "shows a game"
    )


def game_lines(rows, names=None) -> list[str]:
    """One line per game, columns aligned, nothing cut: a long name makes its line longer,
    never two games look alike. names: stored spec -> name shown."""
    from arena.progress import result_text

    cells = []
    for g in rows:
        r = g.record
        players = [(names or {}).get(p, p) for p in r.players]
        ended = (
            r.termination
            if r.forfeit_player is None
            else (f"{r.termination} by {players[r.forfeit_player]}: {r.reason[:100]}")
        )
        cells.append([str(g.id), r.env_id, " vs ".join(players), result_text(r.scores), f"{r.plies} moves", ended])
    if not cells:
        return []
    widths = [max(len(c[i]) for c in cells) for i in range(5)]
    return [
        "  ".join([c[0].rjust(widths[0]), *(c[i].ljust(widths[i]) for i in range(1, 4)), c[4].rjust(widths[4]), c[5]])
        for c in cells
    ]


@click.command()
@click.argument("game_id", type=int)
@click.option("--db", default=None, help=DB_HELP)
@click.option("--render", is_flag=True, help="Print the board after every move.")
def replay(game_id, db, render):
    """Replay a stored game on a fresh env with its seed and check the outcome matches."""
    from arena.tournament import replay as replay_game
    from arena.tournament import replay_matches

    with _store(db, readonly=True) as store:
        stored = store.game(game_id)

    record = stored.record
    if render:
        from arena.notation import frames
        from arena.render import move_line

        for frame in frames(record):
            click.echo(move_line(frame.ply, ((m["seat"], m["name"]) for m in frame.moves)))
            click.echo(frame.text)
    replayed = replay_game(record)
    problem = replay_matches(record, replayed)
    if problem:
        raise ArenaError(f"game {game_id} does not replay: {problem}")
    click.echo(
        f"game {game_id} ({stored.tournament} {stored.key}) {record.env_id} seed {record.seed}: "
        f"{record.plies} moves replayed, outcome matches: "
        + ", ".join(f"{p} {s:g}" for p, s in zip(record.players, record.scores))
        + (f" ({record.termination}: {record.reason})" if record.forfeit_player is not None else "")
    )


def _parse_sprt(text: str, trinomial: bool = False):
    from arena.envs.base import parse_params
    from arena.ratings import SPRT

    valid = {"elo0", "elo1", "alpha", "beta", "model"}
    params = parse_params(text, what="--sprt")
    if set(params) - valid:
        raise ArenaError(f"--sprt takes {', '.join(sorted(valid))}; got {', '.join(sorted(set(params) - valid))}")
    model = params.pop("model", "normalized")
    if model not in ("normalized", "logistic"):
        raise ArenaError(f"--sprt model must be normalized or logistic, not {model!r}")
    try:
        values = {k: float(v) for k, v in params.items()}
    except ValueError:
        raise ArenaError(f"--sprt values must be numbers: {text!r}") from None
    args = {"elo0": 0.0, "elo1": 10.0, "alpha": 0.05, "beta": 0.05, **values}
    if not (0 < args["alpha"] < 1 and 0 < args["beta"] < 1) or args["elo1"] <= args["elo0"]:
        raise ArenaError("--sprt needs 0 < alpha, beta < 1 and elo1 > elo0")
    return SPRT(args["elo0"], args["elo1"], args["alpha"], args["beta"], pentanomial=not trinomial, model=model)


def _match_report(agent_a, agent_b, env_id, sprt, result, as_json: bool) -> str:
    """The verdict as fishtest words it, the counts as cutechess prints them, or all as JSON."""
    from arena.ratings import pairing_stats

    losses, draws, wins = sprt.games
    lower, upper = result.bounds
    stats = pairing_stats(sprt.counts) if sum(sprt.counts) else None
    verdict = {"H1": "passed", "H0": "failed", None: "no verdict"}[result.status]
    elo = (
        None
        if stats is None
        else {
            "estimate": stats.elo,
            "ci_low": stats.elo - stats.error,
            "ci_high": stats.elo + stats.error,
            "los": stats.los,
        }
    )
    if as_json:
        names = ("LL", "LD", "DD_WL", "WD", "WW") if sprt.pentanomial else ("L", "D", "W")
        return json.dumps(
            {
                "a": agent_a,
                "b": agent_b,
                "env": env_id,
                "name": result.name,
                "verdict": verdict,
                "accepted": result.status,
                "model": sprt.model,
                "elo0": sprt.elo0,
                "elo1": sprt.elo1,
                "alpha": sprt.alpha,
                "beta": sprt.beta,
                "llr": round(result.llr, 4),
                "bounds": {"lower": round(lower, 4), "upper": round(upper, 4)},
                "games": result.games,
                "played_now": result.played,
                "wins": wins,
                "losses": losses,
                "draws": draws,
                ("pentanomial" if sprt.pentanomial else "trinomial"): dict(zip(names, sprt.counts)),
                "elo": None
                if elo is None
                else {
                    k: round(v, 4) if math.isfinite(v) else None  # open ends: null
                    for k, v in elo.items()
                },
                "expected_games": round(sprt.expected_games()),
            },
            indent=2,
        )
    unit = "logistic Elo" if sprt.model == "logistic" else "normalized Elo"
    score = (wins + draws / 2) / max(result.games, 1)
    lines = [
        f"{agent_a} vs {agent_b} on {env_id}: {result.games} games ({result.played} played now)",
        f"Score of {agent_a} vs {agent_b}: {wins} - {losses} - {draws}  [{score:.3f}] {result.games}",
    ]
    if sprt.pentanomial:
        lines.append("Ptnml(0-2): " + ", ".join(map(str, sprt.counts)))
    lines.append(f"LLR: {result.llr:.2f} ({lower:.2f}, {upper:.2f}) <{sprt.elo0:g}, {sprt.elo1:g}> {unit}")
    if stats is not None:
        lines.append(f"Elo: {stats.elo:+.1f} ± {stats.error:.1f} (95 %, logistic)  LOS: {stats.los:.1%}")
    tail = {
        "passed": f"passed: H1 accepted, {agent_a} is at least {sprt.elo1:g} {unit} stronger",
        "failed": f"failed: H0 accepted, {agent_a} is not {sprt.elo0:g} {unit} stronger (or more)",
        "no verdict": f"no verdict after {result.games} games (--max-games); LLR inside the bounds",
    }[verdict]
    return "\n".join([*lines, tail])


@click.command()
@click.argument("agent_a")
@click.argument("agent_b")
@click.argument("env_id")
@click.option(
    "--sprt",
    "sprt_text",
    default="elo0=0,elo1=10,alpha=0.05,beta=0.05,model=normalized",
    show_default=True,
    help="GSPRT hypotheses: is A at least elo1 stronger than B (H1) or at most elo0 "
    "(H0)? model: normalized Elo (fishtest's default) or logistic.",
)
@click.option("--trinomial", is_flag=True, help="Test on game counts (W, D, L) instead of seat-swapped pairs.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON with named fields.")
@click.option("--max-games", type=int, default=1000, show_default=True, help="Stop here if undecided (even).")
@click.option("--concurrency", type=int, default=None, help="Worker processes. [default: the number of cores]")
@click.option("--time-per-move", type=float, default=None, help="Seconds per move (plus the bank).")
@click.option("--time-bank", type=float, default=0.0, show_default=True)
@click.option("--opening-plies", type=int, default=0, show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--name", default=None, help="Name under which the games are stored (rerun to resume).")
@click.option("--db", default=None, help=DB_HELP)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--progress-every", type=int, default=None, help=PROGRESS_EVERY_HELP)
@click.option(
    "--standings-every",
    type=int,
    default=None,
    help="Off a terminal: the online-Elo standings every M games. [default: 0, never]",
)
def match(
    agent_a,
    agent_b,
    env_id,
    sprt_text,
    trinomial,
    as_json,
    max_games,
    concurrency,
    time_per_move,
    time_bank,
    opening_plies,
    seed,
    name,
    db,
    quiet,
    progress_every,
    standings_every,
):
    """A head-to-head stopped by the GSPRT on pentanomial counts of seat-swapped pairs:
    arena match mcts:sims=400 mcts:sims=100 openspiel/connect_four"""
    from arena.backends import Settings, default_concurrency, make_backend
    from arena.tournament import run_match

    _positive(concurrency, "--concurrency")
    sprt = _parse_sprt(sprt_text, trinomial)
    if max_games < 2 or max_games % 2:
        raise ArenaError(f"--max-games must be even (seat-swapped pairs) and at least 2, got {max_games}")
    if time_per_move is not None and time_per_move <= 0:
        raise ArenaError("--time-per-move must be a positive number of seconds")
    if opening_plies < 0 or time_bank < 0:
        raise ArenaError("--opening-plies and --time-bank must be 0 or more")
    expected = sprt.expected_games()
    warning = (
        ""
        if max_games >= expected
        else (
            f"warning: --max-games {max_games} is below the ~{expected:,.0f} games this test expects when the "
            f"truth is near elo0 or elo1 ({sprt.model} [{sprt.elo0:g}, {sprt.elo1:g}], alpha {sprt.alpha:g}, "
            f"beta {sprt.beta:g}); it may end with no verdict"
        )
    )
    settings = Settings(env_id, time_per_move, time_bank, opening_plies)
    with _store(db, readonly=False) as store:
        runner = make_backend("local", concurrency or default_concurrency(), None, env_id, [agent_a, agent_b])
        display = _display(
            f"match {agent_a} vs {agent_b} on {env_id}",
            quiet,
            progress_every,
            standings_every,
            sprt,
            default_standings=0,
        )
        display = _WarnAtStart(display, warning)  # after the match is checked, before its first game
        try:
            with resume_notice(store.path, lambda: _saved(display)):
                result = run_match(
                    agent_a, agent_b, env_id, sprt, store, runner, name, seed, max_games, settings, display
                )
        finally:
            runner.close()
    click.echo(_match_report(agent_a, agent_b, env_id, sprt, result, as_json))
    sys.stdout.flush()
