"""A leaderboard of stored games: the one path `arena leaderboard`, the final table of
`arena tournament` and `arena serve` take, so that they all show the same numbers.

    from arena.leaderboard.stored import board_from_store
    board = board_from_store(store, "openspiel/connect_four")      # a Leaderboard
    board.to_json()            # == `arena leaderboard openspiel/connect_four --json`
    board.board                # the frozen Board (rows, crosstable, los, seats, warnings, ...)

Players are grouped by canonical spec and shown under their display names (`names.py`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

import arena
from arena.agents import canonical_spec
from arena.errors import ArenaError

from . import Leaderboard
from .names import identities, parse_names


def board_from_store(
    store, env_id: str, tournament: str | None = None, *, title: str | None = None, **options
) -> Leaderboard:
    """The board of one env's stored games (one tournament's, if named); options as
    `board_from_summaries` (method, anchor, nash, intervals, prior, name_args)."""
    if tournament and store.tournament(tournament) is None:
        raise ArenaError(f"no tournament {tournament!r} in {store.path}; see `arena games`")
    # Bradley-Terry reads counts of identical results (SQLite groups them); the online methods
    # need every game in play order. Neither reads the moves.
    online = options.get("method", "bt") != "bt"
    summaries = (store.summaries if online else store.result_counts)(env_id, tournament)
    if not summaries:
        where = f" in tournament {tournament!r}" if tournament else ""
        raise ArenaError(f"no games of {env_id}{where} in {store.path}; run `arena tournament {env_id} ...`")
    names = {tournament} if tournament else {t.name for t in store.tournaments() if t.env == env_id}
    return board_from_summaries(
        env_id,
        summaries,
        title or f"{env_id} leaderboard",
        checkpoints=store.checkpoints(),
        display=store.display_names(),
        typed=store.typed_specs(),
        settings=settings_line(store, names),
        **options,
    )


def board_from_records(records: Sequence, title: str = "Leaderboard", *args, **options) -> Leaderboard:
    """The board of game records (`GameRecord`s of one env); options as `board_from_summaries`."""
    summaries = [
        {"players": r.players, "scores": r.scores, "termination": r.termination, "forfeit_player": r.forfeit_player}
        for r in records
    ]
    return board_from_summaries(records[0].env_id if records else None, summaries, title, *args, **options)


def board_from_summaries(
    env_id: str | None,
    summaries: Sequence[dict],
    title: str = "Leaderboard",
    method: str = "bt",
    anchor=None,
    checkpoints=None,
    nash: bool = False,
    intervals: str = "posterior",
    display=None,
    name_args: Iterable[str] = (),
    settings: str = "",
    prior: str = "auto",
    typed=None,
) -> Leaderboard:
    """The board of stored games' summaries (`Store.summaries`, or `Store.result_counts` for
    'bt'), one row per canonical agent under its display name."""
    specs = list(dict.fromkeys(p for g in summaries for p in g["players"]))
    ids = identities(specs, env_id, display or {}, typed or {})
    if name_args:
        ids = identities(specs, env_id, {**(display or {}), **parse_names(name_args, ids, env_id)}, typed or {})
    shown = {s: name for s, (name, _) in ids.items()}
    if anchor:
        ((key, value),) = anchor.items()
        by_canon = {c: name for name, c in ids.values()}
        try:
            canon = canonical_spec(key, env_id) if key not in shown and key not in shown.values() else None
        except ArenaError:
            canon = None
        anchor = {shown.get(key) or (by_canon.get(canon) if canon else None) or key: value}
    renamed = any(shown[s] != s for s in specs)
    games = [{**g, "players": [shown[p] for p in g["players"]]} for g in summaries] if renamed else summaries
    return Leaderboard(
        games,
        method=method,
        anchor=anchor,
        title=title,
        nash=nash,
        intervals=intervals,
        checkpoints={shown.get(s, s): v for s, v in (checkpoints or {}).items()},
        specs={name: canon for name, canon in ids.values()},
        settings=settings,
        prior=prior,
    )


def settings_line(store, tournaments) -> str:
    """How the games were played, for the board: one tournament's settings, or how many."""
    tournaments = sorted(tournaments)
    stamp = f"arena {arena.__version__} · {datetime.date.today().isoformat()}"
    t = store.tournament(tournaments[0]) if len(tournaments) == 1 else None
    if t is None:
        return f"games of {len(tournaments)} tournaments · {stamp}"
    c = t.config
    return (
        f"{c.get('games')} games per pairing · {c.get('format')} · opening plies {c.get('opening_plies', 0)} · "
        f"seed {c.get('seed')} · {stamp}"
    )
