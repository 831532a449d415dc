"""The game store: one SQLite file (WAL), one writer, every finished game committed at once.

Tables:
  tournaments  name (unique), env, agents (JSON list of specs), config (JSON), created
  agents       spec (unique), plugin, version, checkpoint hash, run, step, meta (JSON)
  games        tournament, game key, seed, env, players, sides, scores, returns, termination,
               forfeit player, reason, moves, latencies (JSON), created;
               UNIQUE(tournament, game key) so a resumed run can never store a game twice.

Other engineers record games from training runs with

    store = Store("arena.db")
    store.record_game("c4-muzero-evals", "openspiel/connect_four", record)
    store.tag_agent("muzero:checkpoint=runs/c4/step_2000.pt", run="c4", step=2000)

and the run's checkpoints then appear over time on `arena leaderboard --html`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from arena.errors import ArenaError
from arena.referee import GameRecord

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS tournaments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    env TEXT NOT NULL,
    agents TEXT NOT NULL,
    config TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS agents (
    id INTEGER PRIMARY KEY,
    spec TEXT NOT NULL UNIQUE,
    plugin TEXT,
    version TEXT,
    checkpoint_hash TEXT,
    run TEXT,
    step INTEGER,
    meta TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS games (
    id INTEGER PRIMARY KEY,
    tournament_id INTEGER NOT NULL REFERENCES tournaments(id),
    game_key TEXT NOT NULL,
    seed INTEGER NOT NULL,
    env TEXT NOT NULL,
    players TEXT NOT NULL,
    sides TEXT NOT NULL,
    scores TEXT NOT NULL,
    returns TEXT NOT NULL,
    termination TEXT NOT NULL,
    forfeit_player INTEGER,
    reason TEXT NOT NULL,
    moves TEXT NOT NULL,
    latencies TEXT NOT NULL,
    created REAL NOT NULL,
    UNIQUE (tournament_id, game_key)
);
CREATE INDEX IF NOT EXISTS games_env ON games(env);
"""
_TABLES = {"tournaments", "agents", "games"}


def default_path() -> Path:
    """`$ARENA_DB`, else arena.db in the current directory."""
    return Path(os.environ.get("ARENA_DB") or "arena.db")


@dataclass
class StoredGame:
    """A game row: the referee's record plus where it sits in its tournament."""

    id: int
    tournament: str
    key: str
    created: float
    record: GameRecord


@dataclass(frozen=True)
class Tournament:
    name: str
    env: str
    agents: list[str]
    config: dict[str, Any]


class Store:
    """A handle on one database file. `readonly=True` never creates or alters anything."""

    def __init__(self, path: str | os.PathLike | None = None, *, readonly: bool = False):
        self.path = Path(path) if path is not None else default_path()
        self.readonly = readonly
        self.db = self._connect()

    # -- opening -------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self.path.is_dir():
            raise ArenaError(f"--db {self.path} is a directory; give a file path such as {self.path / 'arena.db'}")
        if self.readonly and not self.path.exists():
            raise ArenaError(f"no database at {self.path}; run `arena tournament` first or pass --db PATH")
        if not self.readonly and not self.path.parent.exists():
            raise ArenaError(f"cannot create database {self.path}: folder {self.path.parent} does not exist")
        if not self.readonly and not os.access(self.path if self.path.exists() else self.path.parent, os.W_OK):
            raise ArenaError(f"database {self.path} is not writable; pass --db with a writable path")
        uri = f"file:{self.path.resolve()}?mode={'ro' if self.readonly else 'rwc'}"
        try:
            db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            self._check_schema(db, tables)
            if not self.readonly:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives kill -9
                if not tables:
                    db.executescript(_SCHEMA)
                    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                db.execute("BEGIN IMMEDIATE")  # fail now, not after the first game, if we cannot write
                db.execute("ROLLBACK")
        except sqlite3.DatabaseError as exc:
            raise ArenaError(f"cannot use database {self.path}: {exc}; pass --db with another path") from None
        return db

    def _check_schema(self, db: sqlite3.Connection, tables: set[str]) -> None:
        if not tables:
            if self.readonly:
                raise ArenaError(f"{self.path} holds no arena games; run `arena tournament` first")
            return
        if not _TABLES <= tables:
            raise ArenaError(f"{self.path} is an SQLite file but not an arena database; pass --db with another path")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            raise ArenaError(f"{self.path} has arena schema version {version}, this arena reads {SCHEMA_VERSION}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- tournaments -----------------------------------------------------------------------
    def tournament(self, name: str) -> Tournament | None:
        row = self.db.execute("SELECT * FROM tournaments WHERE name=?", (name,)).fetchone()
        if row is None:
            return None
        return Tournament(row["name"], row["env"], json.loads(row["agents"]), json.loads(row["config"]))

    def tournaments(self) -> list[Tournament]:
        rows = self.db.execute("SELECT name FROM tournaments ORDER BY id").fetchall()
        return [self.tournament(r[0]) for r in rows]

    def open_tournament(self, name: str, env_id: str, agents: Sequence[str], config: dict[str, Any]) -> Tournament:
        """Create the tournament, or check that a stored one of this name has these settings."""
        wanted = Tournament(name, env_id, list(agents), json.loads(json.dumps(config)))
        stored = self.tournament(name)
        if stored is None:
            self.db.execute("INSERT INTO tournaments (name, env, agents, config, created) VALUES (?,?,?,?,?)",
                            (name, env_id, json.dumps(list(agents)), json.dumps(config, sort_keys=True), time.time()))
            return wanted
        if stored != wanted:
            what = ("env" if stored.env != wanted.env else "agents" if stored.agents != wanted.agents
                    else "settings")
            raise ArenaError(f"tournament {name!r} already exists in {self.path} with other {what} "
                             f"({_differences(stored, wanted)}); pass another --name to start a new one")
        return stored

    # -- agents ----------------------------------------------------------------------------
    def register_agent(self, spec: str, plugin: str | None = None, version: str | None = None) -> None:
        """Record who an agent is: its plugin, the plugin's version and, when a
        `checkpoint=` parameter names a file, the file's SHA-256. A checkpoint file replaced
        since the agent's stored games were played is refused: resuming would count the old
        games for the new network under one name."""
        digest = checkpoint_hash(spec)
        row = self.db.execute("SELECT checkpoint_hash FROM agents WHERE spec=?", (spec,)).fetchone()
        if row and row[0] and digest and row[0] != digest and self._has_games(spec):
            raise ArenaError(f"the checkpoint of {spec} changed since its games in {self.path} were played "
                             f"(sha256 {row[0][:12]} then, {digest[:12]} now); give the new file its own path "
                             "so that each network keeps its own games, or use another --db")
        self.db.execute(
            "INSERT INTO agents (spec, plugin, version, checkpoint_hash) VALUES (?,?,?,?) "
            "ON CONFLICT(spec) DO UPDATE SET plugin=excluded.plugin, version=excluded.version, "
            "checkpoint_hash=COALESCE(excluded.checkpoint_hash, agents.checkpoint_hash)",
            (spec, plugin, version, digest))

    def _has_games(self, spec: str) -> bool:
        return self.db.execute("SELECT 1 FROM games WHERE instr(players, ?) LIMIT 1",
                               (json.dumps(spec),)).fetchone() is not None

    def tag_agent(self, spec: str, *, run: str | None = None, step: int | None = None, **meta: Any) -> None:
        """Mark an agent as checkpoint `step` of training run `run` (plus free-form metadata),
        so that leaderboards can chart the run's rating over training."""
        row = self.db.execute("SELECT meta FROM agents WHERE spec=?", (spec,)).fetchone()
        merged = {**(json.loads(row["meta"]) if row else {}), **meta}
        self.db.execute(
            "INSERT INTO agents (spec, checkpoint_hash, run, step, meta) VALUES (?,?,?,?,?) "
            "ON CONFLICT(spec) DO UPDATE SET run=COALESCE(excluded.run, agents.run), "
            "step=COALESCE(excluded.step, agents.step), meta=excluded.meta",
            (spec, checkpoint_hash(spec), run, step, json.dumps(merged)))

    def agents(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM agents ORDER BY id").fetchall()
        return [{**dict(r), "meta": json.loads(r["meta"])} for r in rows]

    def display_names(self) -> dict[str, str]:
        """spec -> display name given on the command line (`arena tournament ... mcts100=mcts:sims=100`)."""
        rows = self.db.execute("SELECT spec, meta FROM agents WHERE meta LIKE '%\"display\"%'")
        return {r["spec"]: json.loads(r["meta"])["display"] for r in rows if "display" in json.loads(r["meta"])}

    def checkpoints(self) -> dict[str, tuple[str, int]]:
        """spec -> (run, step) of agents tagged as training checkpoints."""
        rows = self.db.execute("SELECT spec, run, step FROM agents WHERE run IS NOT NULL AND step IS NOT NULL")
        return {r["spec"]: (r["run"], int(r["step"])) for r in rows}

    # -- games -----------------------------------------------------------------------------
    def add_game(self, tournament: str, key: str, record: GameRecord) -> int | None:
        """Commit one finished game at once; None when (tournament, key) is already stored."""
        tid = self._tournament_id(tournament)
        cur = self.db.execute(
            "INSERT OR IGNORE INTO games (tournament_id, game_key, seed, env, players, sides, scores, returns,"
            " termination, forfeit_player, reason, moves, latencies, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (tid, key, int(record.seed), record.env_id, json.dumps(record.players), json.dumps(record.sides),
             json.dumps(record.scores), json.dumps(record.returns), record.termination, record.forfeit_player,
             record.reason, json.dumps(record.moves, separators=(",", ":")),
             json.dumps([round(t, 6) for t in record.latencies]), time.time()))
        return cur.lastrowid if cur.rowcount else None

    def record_game(self, tournament: str, env_id: str, record: GameRecord, key: str | None = None) -> int | None:
        """Store a game played outside a tournament (e.g. a training run's evaluation),
        creating the tournament row on first use. Without a key every call adds a game."""
        if self.tournament(tournament) is None:
            self.db.execute("INSERT OR IGNORE INTO tournaments (name, env, agents, config, created) "
                            "VALUES (?,?,?,?,?)", (tournament, env_id, "[]", '{"format": "external"}', time.time()))
        for spec in record.players:
            self.db.execute("INSERT OR IGNORE INTO agents (spec, checkpoint_hash) VALUES (?,?)",
                            (spec, checkpoint_hash(spec)))
        return self.add_game(tournament, key or f"ext:{uuid.uuid4().hex}", record)

    def game_keys(self, tournament: str) -> set[str]:
        rows = self.db.execute("SELECT game_key FROM games JOIN tournaments t ON t.id = tournament_id "
                               "WHERE t.name=?", (tournament,))
        return {r[0] for r in rows}

    def games(self, *, env: str | None = None, tournament: str | None = None) -> list[StoredGame]:
        return list(self.iter_games(env=env, tournament=tournament))

    def iter_games(self, *, env: str | None = None, tournament: str | None = None) -> Iterator[StoredGame]:
        where, args = [], []
        if env:
            where.append("g.env=?")
            args.append(env)
        if tournament:
            where.append("t.name=?")
            args.append(tournament)
        sql = ("SELECT g.*, t.name AS tname FROM games g JOIN tournaments t ON t.id = g.tournament_id"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY g.id")
        for row in self.db.execute(sql, args):
            yield _stored(row)

    def game(self, game_id: int) -> StoredGame:
        row = self.db.execute("SELECT g.*, t.name AS tname FROM games g JOIN tournaments t "
                              "ON t.id = g.tournament_id WHERE g.id=?", (game_id,)).fetchone()
        if row is None:
            raise ArenaError(f"no game with id {game_id} in {self.path}; see `arena games`")
        return _stored(row)

    def _tournament_id(self, name: str) -> int:
        row = self.db.execute("SELECT id FROM tournaments WHERE name=?", (name,)).fetchone()
        if row is None:
            raise ArenaError(f"no tournament {name!r} in {self.path}")
        return row[0]


def _stored(row: sqlite3.Row) -> StoredGame:
    record = GameRecord(
        env_id=row["env"], seed=row["seed"], players=json.loads(row["players"]), sides=json.loads(row["sides"]),
        moves=json.loads(row["moves"]), latencies=json.loads(row["latencies"]), returns=json.loads(row["returns"]),
        scores=json.loads(row["scores"]), termination=row["termination"], forfeit_player=row["forfeit_player"],
        reason=row["reason"])
    return StoredGame(row["id"], row["tname"], row["game_key"], row["created"], record)


def _differences(stored: Tournament, wanted: Tournament) -> str:
    if stored.env != wanted.env:
        return f"stored env {stored.env}"
    if stored.agents != wanted.agents:
        return f"stored agents {' '.join(stored.agents)}"
    keys = sorted(set(stored.config) | set(wanted.config))
    return ", ".join(f"{k}: stored {stored.config.get(k)!r}, now {wanted.config.get(k)!r}"
                     for k in keys if stored.config.get(k) != wanted.config.get(k))


def checkpoint_hash(spec: str) -> str | None:
    """SHA-256 of the file named by a spec's `checkpoint=` parameter, if it is a file."""
    _, _, params = spec.partition(":")
    for item in params.split(","):
        key, _, value = item.partition("=")
        if key.strip() == "checkpoint" and Path(value.strip()).is_file():
            digest = hashlib.sha256()
            with open(value.strip(), "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
            return digest.hexdigest()
    return None
