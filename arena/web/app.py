"""The Flask app of `arena serve`: read-only pages over one store.

Pages: / (games in the store), /leaderboard?env=E (ratings, crosstable, checkpoints over
training, terminations), /agent?spec=S (results by opponent and seat, recent games),
/games?env=&agent=&tournament=&termination=&page= (filtered list, paged), /game/ID (replay
viewer), /api/version?env=E (what the pages poll to show new games without a reload).
Every bad id or query is a 404 or 400 page; an unexpected failure is logged and shown as
a plain 500 page without a traceback.
"""

from __future__ import annotations

import logging
import sqlite3
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, render_template, request, url_for

from arena.errors import ArenaError
from arena.leaderboard import charts
from arena.web.data import Data

METHODS = {
    "bt": "Bradley-Terry with 95 % intervals",
    "elo": "online Elo (K = 16, in game order)",
    "openskill": "OpenSkill ordinal (mu - 3 sigma)",
}
PER_PAGE = 50
MAX_PAGE_SIZE = 500
SQLITE_MAX_INT = 2**63 - 1
TERMINATION_LEGEND = {
    "normal": "the game ended by its rules",
    "illegal": "a player made an illegal move and forfeited",
    "timeout": "a player ran out of time and forfeited",
    "crash": "a player's code raised and it forfeited",
    "protocol": "a remote player broke the protocol and forfeited",
}
log = logging.getLogger("arena.web")


def create_app(db_path, poll_seconds: float = 2.0, prefit: bool = False) -> Flask:
    """The app over the store at `db_path` (raises ArenaError at once if it is not one);
    `prefit` fits every env's leaderboard in the background from the start."""
    data = Data(db_path)
    if prefit:
        data.prefit()
    app = Flask(__name__)
    app.config.update(JSON_SORT_KEYS=False)
    app.jinja_env.globals.update(
        poll_ms=int(poll_seconds * 1000), termination_legend=TERMINATION_LEGEND, db_path=str(data.path)
    )
    app.jinja_env.globals["zip"] = zip
    app.jinja_env.filters["pct"] = lambda v: "" if v is None else f"{100 * v:.1f}%"
    app.jinja_env.filters["score"] = lambda v: f"{v:g}"
    app.jinja_env.filters["interval"] = _interval

    @app.route("/")
    def index():
        store = data.store()
        return render_template(
            "index.html", envs=store.envs(), tournaments=store.tournaments(), version=store.version()
        )

    @app.route("/leaderboard")
    def leaderboard():
        env = _text_arg("env", required=True)
        method = _text_arg("method") or "bt"
        if method not in METHODS:
            abort(400, f"method must be one of {', '.join(METHODS)}")
        tournament = _text_arg("tournament")
        fitted, current = data.leaderboard(env, method, tournament)
        if fitted is None:
            abort(404, f"no games of {env}" + (f" in tournament {tournament}" if tournament else "") + " in this store")
        if fitted.problem:
            abort(404, fitted.problem)
        return data.pages.get(
            (request.full_path, fitted.version, current),
            lambda: _leaderboard_page(fitted, current, env, method, tournament),
        )

    @app.route("/agent")
    def agent():
        spec = _text_arg("spec", required=True)
        version = data.store().version()

        def page() -> str | None:
            info = data.agent(spec)
            return None if info is None else render_template("agent.html", info=info, version=version)

        html = data.pages.get((request.full_path, version), page)  # an agent's games only grow
        if html is None:
            abort(404, f"no games of agent {spec} in this store")
        return html

    @app.route("/games")
    def games():
        filters = {k: _text_arg(k) for k in ("env", "agent", "tournament", "termination")}
        page, per_page = _int_arg("page", 1), _int_arg("per_page", PER_PAGE)
        if per_page > MAX_PAGE_SIZE:
            abort(400, f"per_page is at most {MAX_PAGE_SIZE}")
        store = data.store()
        total = store.count_games(**filters)
        pages = max(1, -(-total // per_page))
        if page > pages:
            abort(404, f"page {page} of {pages}")
        rows = store.games(**filters, limit=per_page, offset=(page - 1) * per_page, newest_first=True)

        def link(**change):
            args = {
                k: v
                for k, v in {**filters, "page": page, "per_page": per_page, **change}.items()
                if v not in (None, "") and not (k == "per_page" and v == PER_PAGE)
            }
            return url_for("games") + ("?" + urlencode(args) if args else "")

        return render_template(
            "games.html",
            rows=rows,
            filters=filters,
            page=page,
            pages=pages,
            total=total,
            link=link,
            envs=[e for e, _ in store.envs()],
            tournaments=[t.name for t in store.tournaments()],
            terminations=list(TERMINATION_LEGEND),
            version=store.version(),
        )

    @app.route("/game/<int:game_id>")
    def game(game_id: int):
        if game_id > SQLITE_MAX_INT:
            abort(404, f"no game with id {game_id}")
        try:
            replay = data.replay(game_id)
        except ArenaError:
            abort(404, f"no game with id {game_id} in this store")
        return render_template("game.html", g=replay["game"], frames=replay["frames"], problem=replay["problem"])

    @app.route("/api/version")
    def version():
        env = _text_arg("env")
        count, top = data.store().version(env)
        return jsonify({"games": count, "max_id": top})

    @app.errorhandler(400)
    @app.errorhandler(404)
    @app.errorhandler(405)
    def client_error(err):
        return render_template("error.html", code=err.code, name=err.name, message=err.description), err.code

    @app.errorhandler(sqlite3.Error)
    @app.errorhandler(ArenaError)
    def store_error(err):
        log.warning("store error on %s: %s", request.path, err)
        return render_template("error.html", code=503, name="Store unavailable", message=str(err)), 503

    @app.errorhandler(500)
    def server_error(err):
        return render_template(
            "error.html", code=500, name="Server error", message="something went wrong; the server log has the details"
        ), 500

    return app


CROSSTABLE_MAX = 40  # a heatmap of more agents is unreadable; the JSON has them all


def _leaderboard_page(fitted, current: bool, env: str, method: str, tournament: str | None) -> str:
    """The page of a fitted board; every number comes from the board (`arena.leaderboard`),
    the page only lays it out."""
    board = fitted.board.board
    intervals = board.method == "bt"  # elo and openskill rows have no interval (null ends)
    # Ratings of different comparison groups are not comparable: one chart (one axis) per group.
    ratings_charts = charts.ratings_charts(board.rows, intervals)
    checkpoint_charts = charts.checkpoints_charts(board.rows, board.checkpoints, intervals)
    shown = board.names[:CROSSTABLE_MAX]
    return render_template(
        "leaderboard.html",
        env=env,
        method=method,
        methods=METHODS,
        tournament=tournament,
        board=board,
        games=fitted.games,
        current=current,
        fit_seconds=fitted.seconds,
        intervals=intervals,
        several_groups=len({r.get("group", 1) for r in board.rows}) > 1,
        ratings_charts=ratings_charts,
        crosstable_chart=charts.crosstable_chart(shown, board.crosstable),
        crosstable_cut=len(board.names) - len(shown),
        checkpoint_charts=checkpoint_charts,
        kinds=board.termination_kinds(),
        version=fitted.version,
    )


def _interval(row) -> str:
    """A row's 95 % interval with the JSON's numbers; a null end is an open one (a rating the
    games bound on one side only)."""
    low, high = row["ci_low"], row["ci_high"]
    return ("(-inf" if low is None else f"[{low}") + ", " + ("+inf)" if high is None else f"{high}]")  # as the CLI


def _text_arg(name: str, required: bool = False) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        abort(400, f"give {name} once")
    value = values[0].strip() if values else None
    if required and not value:
        abort(400, f"this page needs ?{name}=...")
    if value is not None and (len(value) > 2000 or "\x00" in value):
        abort(400, f"{name} is not a plausible value")
    return value or None


def _int_arg(name: str, default: int) -> int:
    value = _text_arg(name)
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= 10**9:
        abort(400, f"{name} must be a whole number from 1 to 1000000000")
    return int(value)
