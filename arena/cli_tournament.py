"""`arena tournament`, `leaderboard`, `games`, `replay` and `match`: the commands over the store."""

from __future__ import annotations

import json
import sys
from pathlib import Path

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

    def __init__(self, title: str, k: float = 16.0, top: int = 10, enabled: bool = True):
        from arena.ratings import OnlineElo

        self.title, self.top, self.enabled = title, top, enabled
        self.elo, self.live, self.progress, self.task = OnlineElo(k=k), None, None, None
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
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeRemainingColumn())
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
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        table = Table(title="live online Elo (K = %g)" % self.elo.k, title_justify="left")
        table.add_column("agent")
        table.add_column("Elo", justify="right")
        ranked = sorted(self.elo.ratings.items(), key=lambda kv: -kv[1])[: self.top]
        for name, rating in ranked:
            table.add_row(Text(name), f"{rating:+.0f}")
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


def _display(title: str, quiet: bool, every: int | None, standings_every: int | None, sprt=None,
             default_standings: int | None = None):
    """A live table on a terminal; plain lines when stderr is redirected (logs, CI) or when
    --progress-every / --standings-every ask for them; nothing with --quiet."""
    from arena.progress import LineProgress

    _positive(every, "--progress-every")
    if standings_every is not None and standings_every < 0:
        raise ArenaError(f"--standings-every must be 0 (never) or more, got {standings_every}")
    if quiet:
        return LiveStandings(title, enabled=False)
    if sys.stderr.isatty() and every is None and standings_every is None:
        return LiveStandings(title)
    return LineProgress(title, every=every or 1, sprt=sprt,
                        standings_every=default_standings if standings_every is None else standings_every)


def _saved(display) -> int:
    from arena.progress import LineProgress

    return display.stored + display.finished if isinstance(display, LineProgress) else display.saved


PROGRESS_EVERY_HELP = "Off a terminal: a line every N finished games. [default: 1]"
STANDINGS_EVERY_HELP = "Off a terminal: standings every M games (0: never). [default: a tenth of the games]"


@click.command()
@click.argument("env_id")
@click.argument("agent_specs", nargs=-1, required=True)
@click.option("--games", type=int, default=None, help="Games per pairing (even for two-player games). [default: 10]")
@click.option("--format", "fmt", type=click.Choice(["round-robin", "gauntlet", "swiss"]), default="round-robin",
              show_default=True)
@click.option("--challenger", default=None, help="Gauntlet: this agent plays the field (default: the first).")
@click.option("--rounds", type=int, default=None, help="Swiss rounds (default log2 of the field); repeats otherwise.")
@click.option("--concurrency", type=int, default=None, help="Worker processes. [default: the number of cores]")
@click.option("--time-per-move", type=float, default=None, help="Seconds per move (plus the bank).")
@click.option("--time-bank", type=float, default=0.0, show_default=True, help="Extra seconds per game.")
@click.option("--opening-plies", type=int, default=0, show_default=True,
              help="Random opening moves, the same in both games of a seat-swapped pair.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--name", default=None, help="Tournament name; rerun with the same name to resume.")
@click.option("--db", default=None, help=DB_HELP)
@click.option("--backend", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--address", default=None, help="Ray cluster address (default: start a local Ray).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--progress-every", type=int, default=None, help=PROGRESS_EVERY_HELP)
@click.option("--standings-every", type=int, default=None, help=STANDINGS_EVERY_HELP)
@click.option("--isolate", is_flag=True, help="Run every agent in its own process (arena serve-agent).")
def tournament(env_id, agent_specs, games, fmt, challenger, rounds, concurrency, time_per_move, time_bank,
               opening_plies, seed, name, db, backend, address, quiet, progress_every, standings_every, isolate):
    """Run (or resume) a tournament and print its leaderboard:
    arena tournament openspiel/connect_four random mcts:sims=100 mcts:sims=1000 --games 20"""
    from rich.console import Console

    from arena.backends import default_concurrency, make_backend
    from arena.tournament import TournamentConfig, run_tournament

    _positive(concurrency, "--concurrency")
    config = TournamentConfig(env_id, list(agent_specs), fmt, games, rounds, challenger, seed,
                              time_per_move, time_bank, opening_plies, isolate)
    with _store(db, readonly=False) as store:
        runner = make_backend(backend, concurrency or default_concurrency(), address)
        display = _display(f"tournament {env_id}", quiet, progress_every, standings_every)
        try:
            with resume_notice(store.path, lambda: _saved(display)):
                result = run_tournament(config, store, runner, name, progress=display)
        finally:
            runner.close()
        click.echo(f"tournament {result.name!r}: {len(result.records)} games "
                   f"({result.played} played now) in {store.path}")
        _leaderboard(result.records, title=result.name, checkpoints=store.checkpoints()).render_table(Console())


def _leaderboard(records, title: str, method: str = "bt", anchor=None, checkpoints=None, nash=False):
    from arena.leaderboard import Leaderboard

    games = [{"players": r.players, "scores": r.scores, "termination": r.termination,
              "forfeit_player": r.forfeit_player} for r in records]
    return Leaderboard(games, method=method, anchor=anchor, checkpoints=checkpoints, title=title,
                       nash=nash)


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
@click.option("--nash", is_flag=True,
              help="Add Nash averaging, a view for non-transitive populations (Markdown, HTML, table).")
def leaderboard(env_id, db, tournament_name, method, anchor, as_json, as_csv, markdown, html_path, title,
                nash):
    """Ratings with 95 % intervals, crosstable and terminations for one game."""
    from rich.console import Console

    if sum(map(bool, (as_json, as_csv, markdown))) > 1:
        raise ArenaError("choose one of --json, --csv, --markdown")
    with _store(db, readonly=True) as store:
        if tournament_name and store.tournament(tournament_name) is None:
            raise ArenaError(f"no tournament {tournament_name!r} in {store.path}; see `arena games`")
        records = [g.record for g in store.iter_games(env=env_id, tournament=tournament_name)]
        if not records:
            where = f" in tournament {tournament_name!r}" if tournament_name else ""
            raise ArenaError(f"no games of {env_id}{where} in {store.path}; run `arena tournament {env_id} ...`")
        board = _leaderboard(records, title or f"{env_id} leaderboard", method, _parse_anchor(anchor),
                             store.checkpoints(), nash)
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
        click.echo(board.to_markdown(), nl=False)
    elif not html_path:
        board.render_table(Console())
    else:
        click.echo(f"wrote {html_path}")


GAMES_SHOWN = 50


@click.command()
@click.option("--db", default=None, help=DB_HELP)
@click.option("--tournament", "tournament_name", default=None, help="Only this tournament's games.")
@click.option("--env", "env_id", default=None, help="Only games of this env.")
@click.option("--agent", default=None, help="Only games of this agent (its exact spec).")
@click.option("--termination", type=click.Choice(["normal", "illegal", "timeout", "crash", "protocol"]), default=None,
              help="Only games that ended this way.")
@click.option("--limit", type=int, default=None,
              help=f"At most N games, newest first (0: all). [default: {GAMES_SHOWN} in the list, all in --json]")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: full records with move names, in id order (the newest N with --limit).")
def games(db, tournament_name, env_id, agent, termination, limit, as_json):
    """List stored games, newest first: one line each, in any width."""
    if limit is not None and limit < 0:
        raise ArenaError(f"--limit must be 0 (all) or more, got {limit}")
    shown = (0 if as_json else GAMES_SHOWN) if limit is None else limit
    filters = {"env": env_id, "tournament": tournament_name, "agent": agent, "termination": termination}
    with _store(db, readonly=True) as store:
        total = store.count_games(**filters)
        rows = store.games(**filters, limit=shown or None, newest_first=True)
    if as_json:
        from arena.notation import move_names

        data = [{"id": g.id, "tournament": g.tournament, "key": g.key, "created": g.created, **g.record.to_dict(),
                 "move_names": move_names(g.record)} for g in reversed(rows)]  # JSON keeps id order
        return click.echo(json.dumps(data, indent=2))
    for line in game_lines(rows):
        click.echo(line)
    more = f"; --limit {min(total, 10 * max(shown, 1))} shows more, --limit 0 all" if len(rows) < total else ""
    click.echo(f"{len(rows)} of {total} games, newest first{more}")
    click.echo("result: points of each player in the order listed (1-0: the first won, ½-½: a draw); "
               "moves: steps played; a forfeit names its player and reason; `arena replay ID --render` "
               "shows a game")


def game_lines(rows) -> list[str]:
    """One line per game, columns aligned, nothing cut: a long name makes its line longer,
    never two games look alike."""
    from arena.progress import result_text

    cells = []
    for g in rows:
        r = g.record
        ended = r.termination if r.forfeit_player is None else (
            f"{r.termination} by {r.players[r.forfeit_player]}: {r.reason[:100]}")
        cells.append([str(g.id), r.env_id, " vs ".join(r.players), result_text(r.scores), f"{r.plies} moves", ended])
    if not cells:
        return []
    widths = [max(len(c[i]) for c in cells) for i in range(5)]
    return ["  ".join([c[0].rjust(widths[0]), *(c[i].ljust(widths[i]) for i in range(1, 4)),
                       c[4].rjust(widths[4]), c[5]]) for c in cells]


@click.command()
@click.argument("game_id", type=int)
@click.option("--db", default=None, help=DB_HELP)
@click.option("--render", is_flag=True, help="Print the board after every move.")
def replay(game_id, db, render):
    """Replay a stored game on a fresh env with its seed and check the outcome matches."""
    from arena.tournament import replay as replay_game, replay_matches

    with _store(db, readonly=True) as store:
        stored = store.game(game_id)

    record = stored.record
    if render:
        from arena.notation import frames

        for frame in frames(record):
            moves = ", ".join(f"seat {m['seat']} {m['name']}" for m in frame.moves)
            click.echo(f"-- move {frame.ply}: {moves}" if frame.ply else "-- start")
            click.echo(frame.text)
    replayed = replay_game(record)
    problem = replay_matches(record, replayed)
    if problem:
        raise ArenaError(f"game {game_id} does not replay: {problem}")
    click.echo(f"game {game_id} ({stored.tournament} {stored.key}) {record.env_id} seed {record.seed}: "
               f"{record.plies} moves replayed, outcome matches: "
               + ", ".join(f"{p} {s:g}" for p, s in zip(record.players, record.scores))
               + (f" ({record.termination}: {record.reason})" if record.forfeit_player is not None else ""))


def _parse_sprt(text: str):
    from arena.envs.base import parse_params
    from arena.ratings import SPRT

    valid = {"elo0", "elo1", "alpha", "beta"}
    params = parse_params(text, what="--sprt")
    if set(params) - valid:
        raise ArenaError(f"--sprt takes {', '.join(sorted(valid))}; got {', '.join(sorted(set(params) - valid))}")
    try:
        values = {k: float(v) for k, v in params.items()}
    except ValueError:
        raise ArenaError(f"--sprt values must be numbers: {text!r}") from None
    args = {"elo0": 0.0, "elo1": 10.0, "alpha": 0.05, "beta": 0.05, **values}
    if not (0 < args["alpha"] < 1 and 0 < args["beta"] < 1) or args["elo1"] <= args["elo0"]:
        raise ArenaError("--sprt needs 0 < alpha, beta < 1 and elo1 > elo0")
    return SPRT(args["elo0"], args["elo1"], args["alpha"], args["beta"], pentanomial=True)


@click.command()
@click.argument("agent_a")
@click.argument("agent_b")
@click.argument("env_id")
@click.option("--sprt", "sprt_text", default="elo0=0,elo1=10,alpha=0.05,beta=0.05", show_default=True,
              help="GSPRT hypotheses: is A at least elo1 stronger than B (H1) or at most elo0 (H0)?")
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
@click.option("--standings-every", type=int, default=None,
              help="Off a terminal: the online-Elo standings every M games. [default: 0, never]")
def match(agent_a, agent_b, env_id, sprt_text, max_games, concurrency, time_per_move, time_bank,
          opening_plies, seed, name, db, quiet, progress_every, standings_every):
    """A head-to-head stopped by the GSPRT on pentanomial counts of seat-swapped pairs:
    arena match mcts:sims=400 mcts:sims=100 openspiel/connect_four"""
    from arena.backends import Settings, default_concurrency, make_backend
    from arena.ratings import pairing_stats
    from arena.tournament import run_match

    _positive(concurrency, "--concurrency")
    sprt = _parse_sprt(sprt_text)
    if time_per_move is not None and time_per_move <= 0:
        raise ArenaError("--time-per-move must be a positive number of seconds")
    if opening_plies < 0 or time_bank < 0:
        raise ArenaError("--opening-plies and --time-bank must be 0 or more")
    settings = Settings(env_id, time_per_move, time_bank, opening_plies)
    with _store(db, readonly=False) as store:
        runner = make_backend("local", concurrency or default_concurrency())
        display = _display(f"match {agent_a} vs {agent_b} on {env_id}", quiet, progress_every,
                           standings_every, sprt, default_standings=0)
        try:
            with resume_notice(store.path, lambda: _saved(display)):
                result = run_match(agent_a, agent_b, env_id, sprt, store, runner, name, seed, max_games,
                                   settings, display)
        finally:
            runner.close()
    lower, upper = result.bounds
    verdict = {"H1": f"H1 accepted: {agent_a} is stronger by about elo1 = {sprt.elo1:g} or more",
               "H0": f"H0 accepted: {agent_a} is not stronger than elo0 = {sprt.elo0:g}",
               None: f"undecided after {result.games} games (--max-games)"}[result.status]
    click.echo(f"{agent_a} vs {agent_b} on {env_id}: {result.games} games in {sum(result.pentanomial)} pairs "
               f"({result.played} played now)")
    click.echo(f"pentanomial (LL, LD, DD+WL, WD, WW): {result.pentanomial}")
    if sum(result.pentanomial):
        stats = pairing_stats(result.pentanomial)
        click.echo(f"score {stats.score:.3f}  Elo {stats.elo:+.1f} ± {stats.error:.1f}  LOS {stats.los:.1%}")
    click.echo(f"LLR {result.llr:.3f}  bounds [{lower:.3f}, {upper:.3f}]  {verdict}")
    sys.stdout.flush()
