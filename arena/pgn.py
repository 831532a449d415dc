"""Stored two-player games as PGN, the format Ordo, BayesElo and cutechess tooling read.

Those tools need only the seven-tag roster's `White`, `Black` and `Result` (`1-0`, `0-1`,
`1/2-1/2`; PGN standard, section 8.1) and the same result again after the movetext; other tags
and the movetext are carried along. Here White is the first seat and Black the second, so a
rating tool's first-move advantage (Ordo `-W`, BayesElo `advantage`) means the first mover's.
Movetext: the game's own action names, replayed on the env from the stored seed, made into
single tokens; a game that cannot be replayed keeps its action numbers.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping

from arena.errors import ArenaError

RESULTS = {1.0: "1-0", 0.5: "1/2-1/2", 0.0: "0-1"}


def _tag(key: str, value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'[{key} "{text}"]'


def _token(name: str) -> str:
    """An action name as one movetext token: no spaces, no PGN syntax characters."""
    token = re.sub(r"[\s{}\[\]();\"%<>.]+", "_", name.strip()).strip("_")
    return token or "?"


def move_names(record) -> list[str]:
    """Names of the moves of a stored game, replayed on a fresh env; numbers if that fails."""
    numbers = [" ".join(str(a) for _, a in step) for step in record.moves]
    try:
        from arena.api import make_env

        env = make_env(record.env_id)
        try:
            env.reset(record.seed)
            names = []
            for step in record.moves:
                names.append("+".join(env.action_to_string(seat, action) for seat, action in step))
                env.step({seat: action for seat, action in step})
        finally:
            env.close()
        return [_token(n) for n in names]
    except Exception:  # an env that is gone or changed: the numbers still say what was played
        return [_token(n) for n in numbers]


def game_pgn(stored, names: Mapping[str, str] = {}, round_: int | None = None) -> str:
    """One game (a store.StoredGame with two players) as a PGN block."""
    record = stored.record
    white, black = (names.get(p, p) for p in record.players)
    first, second = record.scores
    result = RESULTS[1.0 if first > second else 0.0 if first < second else 0.5]
    date = datetime.datetime.fromtimestamp(stored.created, datetime.timezone.utc).strftime("%Y.%m.%d")
    tags = [
        _tag("Event", stored.tournament),
        _tag("Site", f"arena {record.env_id}"),
        _tag("Date", date),
        _tag("Round", round_ if round_ is not None else "-"),
        _tag("White", white),
        _tag("Black", black),
        _tag("Result", result),
        _tag("GameId", stored.id),
        _tag("GameKey", stored.key),
        _tag("Seed", record.seed),
        _tag("Termination", record.termination + (f": {record.reason}" if record.reason else "")),
        _tag("WhiteSpec", record.players[0]),
        _tag("BlackSpec", record.players[1]),
        _tag("PlyCount", record.plies),
    ]
    moves = move_names(record)
    text = " ".join(f"{k // 2 + 1}. {m}" if k % 2 == 0 else m for k, m in enumerate(moves))
    return "\n".join(tags) + "\n\n" + _wrap(f"{text} {result}".strip()) + "\n"


def _wrap(text: str, width: int = 79) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])


def games_pgn(stored_games: Iterable, names: Mapping[str, str] = {}) -> str:
    """Every two-player game between different agents, in store order, rounds numbered per event."""
    games = [g for g in stored_games if len(g.record.players) == 2 and g.record.players[0] != g.record.players[1]]
    if not games:
        raise ArenaError(
            "no two-player games between different agents to export as PGN "
            "(PGN holds two-player games only); see `arena games`"
        )
    rounds: dict[str, int] = {}
    blocks = []
    for g in games:
        rounds[g.tournament] = rounds.get(g.tournament, 0) + 1
        blocks.append(game_pgn(g, names, rounds[g.tournament]))
    return "\n".join(blocks)
