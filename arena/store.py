"""The game store: one SQLite file (WAL), one writer, every finished game committed at once.

Tables:
  tournaments  name (unique), env, agents (JSON list of specs), config (JSON), created
  agents       spec (unique), plugin, version, checkpoint hash, run, step, meta (JSON; "typed":
               the spellings it was given as, "display": its display name)
  games        tournament, game key, seed, env, players, sides, scores, returns, termination,
               forfeit player, reason, moves, latencies (JSON), created;
               UNIQUE(tournament, game key) so a resumed run can never store a game twice.

Other engineers record games from training runs with

    store = Store("arena.db")
    store.record_game("c4-muzero-evals", "openspiel/connect_four", record)
    store.tag_agent("muzero:checkpoint=runs/c4/step_2000.pt", run="c4", step=2000)

and the run's checkpoints then appear over time on `arena leaderboard --html`.

Specs are stored canonical (schema 2): `arena.agents.canonical_spec` on the game's env, so
`minimax` and `minimax:depth=4` played on Connect Four are one agent in every table. A store of
schema 1 (specs as typed) is migrated the first time it is opened for writing, in one
transaction; opened read-only it is read as it is (boards canonicalise when they read).
Runs keep their own spellings: `typed_games` maps a run's stored games back to them.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arena.errors import ArenaError
from arena.referee import GameRecord

SCHEMA_VERSION = 2  # 1: specs stored as typed; 2: canonical (migrated on the first writable open)
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
# Covers `result_counts`: SQLite walks it in group order, without sorting or reading the games'
# moves (0.27 s -> 0.08 s on 10^5 games); it adds about 15 % to the file. Stores made before it
# get it the next time they are opened for writing.
_RESULTS_INDEX = "CREATE INDEX IF NOT EXISTS games_results ON games(env, players, scores, termination, forfeit_player, tournament_id)"
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
        self.schema = SCHEMA_VERSION  # of the file: 1 only for an old store opened read-only
        self.created = not readonly and not self.path.exists()  # ours to remove if left empty
        try:
            self.db = self._connect()
        except BaseException:
            self._remove_if_empty()
            raise

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
        if self.readonly and _on_readonly_filesystem(self.path):
            # SQLite cannot make a WAL file's shared-memory index there, and nobody can write
            # the file while it sits there: open it as immutable (no locks, no index), or,
            # when a WAL still holds games (a run killed before its checkpoint), a copy of both.
            wal = Path(f"{self.path}-wal")
            if wal.exists() and wal.stat().st_size:
                uri = f"file:{self._copy_aside(wal)}?mode=ro"
            else:
                uri += "&immutable=1"
        try:
            db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            self._check_schema(db, tables)
            if not self.readonly:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives kill -9
                if not tables:  # one transaction: a reader never sees half a schema
                    db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;")
                elif self.schema < SCHEMA_VERSION:
                    _migrate(db, self.canonical_spec)
                    self.schema = SCHEMA_VERSION
                if not db.execute("SELECT 1 FROM sqlite_master WHERE name='games_results'").fetchone():
                    db.execute(_RESULTS_INDEX)
                db.execute("BEGIN IMMEDIATE")  # fail now, not after the first game, if we cannot write
                db.execute("ROLLBACK")
        except sqlite3.DatabaseError as exc:
            if _disk_full(exc):
                raise ArenaError(_full_message(self.path, "")) from None
            raise ArenaError(f"cannot use database {self.path}: {exc}; pass --db with another path") from None
        return db

    def _check_schema(self, db: sqlite3.Connection, tables: set[str]) -> None:
        self.schema = SCHEMA_VERSION
        if not tables:
            if self.readonly:
                raise ArenaError(f"{self.path} holds no arena games; run `arena tournament` first")
            return
        if not _TABLES <= tables:
            raise ArenaError(f"{self.path} is an SQLite file but not an arena database; pass --db with another path")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (1, SCHEMA_VERSION):
            raise ArenaError(f"{self.path} has arena schema version {version}, this arena reads 1 and {SCHEMA_VERSION}")
        self.schema = version

    def canonical_spec(self, spec: str, env_id: str | None) -> str:
        """The stored form of a spec on an env (cached per store: the registry can change between stores)."""
        cache = self.__dict__.setdefault("_canon", {})
        if (spec, env_id) not in cache:
            cache[spec, env_id] = canonical(spec, env_id)
        return cache[spec, env_id]

    def _copy_aside(self, wal: Path) -> Path:
        import shutil
        import tempfile

        aside = tempfile.mkdtemp(prefix="arena-ro-")
        self._aside: str | None = aside
        copy = Path(aside) / self.path.name
        shutil.copyfile(self.path, copy)
        shutil.copyfile(wal, f"{copy}-wal")
        return copy

    def close(self) -> None:
        self.db.close()
        aside = getattr(self, "_aside", None)
        if aside:
            import shutil

            shutil.rmtree(aside, ignore_errors=True)
            self._aside = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind, *exc: Any) -> None:
        self.close()
        if kind is not None:  # the command failed: a database it made and left empty goes
            self._remove_if_empty()

    def _remove_if_empty(self) -> None:
        if not self.created or not self.path.exists():
            return
        try:
            with sqlite3.connect(f"file:{self.path.resolve()}?mode=ro", uri=True) as db:
                if db.execute("SELECT count(*) FROM games").fetchone()[0]:
                    return
        except sqlite3.DatabaseError:
            pass  # no games table: nothing of value in it either
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except OSError:
                pass

    # -- tournaments -----------------------------------------------------------------------
    def tournament(self, name: str) -> Tournament | None:
        row = self.db.execute("SELECT * FROM tournaments WHERE name=?", (name,)).fetchone()
        if row is None:
            return None
        return Tournament(row["name"], row["env"], json.loads(row["agents"]), json.loads(row["config"]))

    def tournaments(self) -> list[Tournament]:
        rows = self.db.execute("SELECT name FROM tournaments ORDER BY id").fetchall()
        return [t for r in rows if (t := self.tournament(r[0])) is not None]

    def open_tournament(self, name: str, env_id: str, agents: Sequence[str], config: dict[str, Any]) -> Tournament:
        """Create the tournament, or check that a stored one of this name has these settings
        (specs compared and stored canonical)."""
        agents = [self.canonical_spec(a, env_id) for a in agents]
        if config.get("challenger"):
            config = {**config, "challenger": self.canonical_spec(config["challenger"], env_id)}
        wanted = Tournament(name, env_id, list(agents), json.loads(json.dumps(config)))
        stored = self.tournament(name)
        if stored is None:
            self._write(
                "INSERT INTO tournaments (name, env, agents, config, created) VALUES (?,?,?,?,?)",
                (name, env_id, json.dumps(list(agents)), json.dumps(config, sort_keys=True), time.time()),
                name,
            )
            return wanted
        if stored != wanted:
            what = "env" if stored.env != wanted.env else "agents" if stored.agents != wanted.agents else "settings"
            raise ArenaError(
                f"tournament {name!r} already exists in {self.path} with other {what} "
                f"({_differences(stored, wanted)}); pass another --name to start a new one"
            )
        return stored

    # -- agents ----------------------------------------------------------------------------
    def register_agent(
        self, spec: str, plugin: str | None = None, version: str | None = None, env_id: str | None = None
    ) -> None:
        """Record who an agent is (under its canonical spec on env_id, keeping the spelling):
        its plugin, the plugin's version and, when a `checkpoint=` parameter names a file, the
        file's SHA-256. A checkpoint file replaced since the agent's stored games were played
        is refused: resuming would count the old games for the new network under one name."""
        typed, spec = spec, self.canonical_spec(spec, env_id)
        digest = checkpoint_hash(spec)
        row = self.db.execute("SELECT checkpoint_hash FROM agents WHERE spec=?", (spec,)).fetchone()
        if row and row[0] and digest and row[0] != digest and self._has_games(spec):
            raise ArenaError(
                f"the checkpoint of {spec} changed since its games in {self.path} were played "
                f"(sha256 {row[0][:12]} then, {digest[:12]} now); give the new file its own path "
                "so that each network keeps its own games, or use another --db"
            )
        self._write(
            "INSERT INTO agents (spec, plugin, version, checkpoint_hash) VALUES (?,?,?,?) "
            "ON CONFLICT(spec) DO UPDATE SET plugin=excluded.plugin, version=excluded.version, "
            "checkpoint_hash=COALESCE(excluded.checkpoint_hash, agents.checkpoint_hash)",
            (spec, plugin, version, digest),
            "",
        )
        self._add_spelling(spec, typed)

    def _add_spelling(self, spec: str, typed: str) -> None:
        """Keep the spelling an agent was given (a board shows the shortest one)."""
        if typed == spec:
            return
        row = self.db.execute("SELECT meta FROM agents WHERE spec=?", (spec,)).fetchone()
        meta = json.loads(row["meta"]) if row else {}
        if typed not in meta.get("typed", []):
            meta["typed"] = sorted({*meta.get("typed", []), typed})
            self.db.execute("UPDATE agents SET meta=? WHERE spec=?", (json.dumps(meta), spec))

    def typed_specs(self) -> dict[str, list[str]]:
        """stored spec -> the spellings it was given as (where they differ)."""
        rows = self.db.execute("SELECT spec, meta FROM agents WHERE meta LIKE '%\"typed\"%'")
        return {r["spec"]: json.loads(r["meta"]).get("typed", []) for r in rows}

    def _has_games(self, spec: str) -> bool:
        return (
            self.db.execute("SELECT 1 FROM games WHERE instr(players, ?) LIMIT 1", (json.dumps(spec),)).fetchone()
            is not None
        )

    def tag_agent(
        self, spec: str, *, env_id: str | None = None, run: str | None = None, step: int | None = None, **meta: Any
    ) -> None:
        """Mark an agent as checkpoint `step` of training run `run` (plus free-form metadata),
        so that leaderboards can chart the run's rating over training. env_id: the env its
        games are on, for its canonical spec there (`minimax` is `minimax:depth=4` on Connect
        Four); without it, every stored agent the spec names on some env is tagged."""
        typed = spec
        if env_id is None:
            known = [s for s in self.spellings(typed) or () if self._has_row(s)]
            targets = known or [self.canonical_spec(typed, None)]
        else:
            targets = [self.canonical_spec(typed, env_id)]
        for spec in dict.fromkeys(targets):
            row = self.db.execute("SELECT meta FROM agents WHERE spec=?", (spec,)).fetchone()
            merged = {**(json.loads(row["meta"]) if row else {}), **meta}
            self.db.execute(
                "INSERT INTO agents (spec, checkpoint_hash, run, step, meta) VALUES (?,?,?,?,?) "
                "ON CONFLICT(spec) DO UPDATE SET run=COALESCE(excluded.run, agents.run), "
                "step=COALESCE(excluded.step, agents.step), meta=excluded.meta",
                (spec, checkpoint_hash(spec), run, step, json.dumps(merged)),
            )
            self._add_spelling(spec, typed)

    def _has_row(self, spec: str) -> bool:
        return self.db.execute("SELECT 1 FROM agents WHERE spec=?", (spec,)).fetchone() is not None

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
        players = [self.canonical_spec(p, record.env_id) for p in record.players]
        cur = self._write(
            "INSERT OR IGNORE INTO games (tournament_id, game_key, seed, env, players, sides, scores, returns,"
            " termination, forfeit_player, reason, moves, latencies, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                tid,
                key,
                int(record.seed),
                record.env_id,
                json.dumps(players),
                json.dumps(record.sides),
                json.dumps(record.scores),
                json.dumps(record.returns),
                record.termination,
                record.forfeit_player,
                record.reason,
                json.dumps(record.moves, separators=(",", ":")),
                json.dumps([round(t, 6) for t in record.latencies]),
                time.time(),
            ),
            tournament,
        )
        return cur.lastrowid if cur.rowcount else None

    def _write(self, sql: str, args: Sequence[Any], tournament: str) -> sqlite3.Cursor:
        """One committed statement; a full disk ends the run with one line. SQLite rolls the
        statement back, so the file keeps every game committed before (integrity_check: ok)."""
        try:
            return self.db.execute(sql, args)
        except sqlite3.OperationalError as exc:
            if _disk_full(exc):
                raise ArenaError(_full_message(self.path, tournament)) from None
            raise

    def record_game(self, tournament: str, env_id: str, record: GameRecord, key: str | None = None) -> int | None:
        """Store a game played outside a tournament (e.g. a training run's evaluation),
        creating the tournament row on first use. Without a key every call adds a game."""
        if self.tournament(tournament) is None:
            self.db.execute(
                "INSERT OR IGNORE INTO tournaments (name, env, agents, config, created) VALUES (?,?,?,?,?)",
                (tournament, env_id, "[]", '{"format": "external"}', time.time()),
            )
        for typed in record.players:
            spec = self.canonical_spec(typed, env_id)
            self.db.execute(
                "INSERT OR IGNORE INTO agents (spec, checkpoint_hash) VALUES (?,?)", (spec, checkpoint_hash(spec))
            )
            self._add_spelling(spec, typed)
        return self.add_game(tournament, key or f"ext:{uuid.uuid4().hex}", record)

    def typed_games(self, tournament: str, env_id: str, agents: Sequence[str]) -> dict[str, GameRecord]:
        """A run's stored games by key, players spelled as this run spells them (`agents`, one
        spelling per agent): the store keeps canonical specs, a resumed run counts its own."""
        typed = {self.canonical_spec(a, env_id): a for a in agents}
        out = {}
        for g in self.iter_games(tournament=tournament):
            g.record.players = [typed.get(p, p) for p in g.record.players]
            out[g.key] = g.record
        return out

    def game_keys(self, tournament: str) -> set[str]:
        rows = self.db.execute(
            "SELECT game_key FROM games JOIN tournaments t ON t.id = tournament_id WHERE t.name=?", (tournament,)
        )
        return {r[0] for r in rows}

    def games(self, **filters: Any) -> list[StoredGame]:
        """`iter_games` as a list."""
        return list(self.iter_games(**filters))

    def iter_games(
        self,
        *,
        env: str | None = None,
        tournament: str | None = None,
        agent: str | None = None,
        termination: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
    ) -> Iterator[StoredGame]:
        """Games in id order (newest first on request), filtered; `agent` is a spec, as typed or
        canonical on any stored env."""
        where, args = _where(env, tournament, self.spellings(agent), termination)
        sql = (
            "SELECT g.*, t.name AS tname FROM games g JOIN tournaments t ON t.id = g.tournament_id"
            + where
            + " ORDER BY g.id"
            + (" DESC" if newest_first else "")
            + (" LIMIT ? OFFSET ?" if limit is not None or offset else "")
        )
        if limit is not None or offset:
            args += [-1 if limit is None else limit, offset]
        for row in self.db.execute(sql, args):
            yield _stored(row)

    def count_games(
        self,
        *,
        env: str | None = None,
        tournament: str | None = None,
        agent: str | None = None,
        termination: str | None = None,
    ) -> int:
        where, args = _where(env, tournament, self.spellings(agent), termination)
        return self.db.execute(
            "SELECT count(*) FROM games g JOIN tournaments t ON t.id = g.tournament_id" + where, args
        ).fetchone()[0]

    def spellings(self, agent: str | None) -> list[str] | None:
        """The specs a filter for `agent` matches: as given, and canonical on each stored env."""
        if not agent:
            return None
        return list(dict.fromkeys([agent, *(self.canonical_spec(agent, e) for e, _ in self.envs())]))

    def version(self, env: str | None = None) -> tuple[int, int]:
        """(number of games, highest game id), of one env or of all: it changes whenever a
        game is stored, so readers key their caches on it."""
        sql = "SELECT count(*), coalesce(max(id), 0) FROM games" + (" WHERE env=?" if env else "")
        count, top = self.db.execute(sql, (env,) if env else ()).fetchone()
        return int(count), int(top)

    def summaries(self, env: str, tournament: str | None = None) -> list[dict[str, Any]]:
        """What a leaderboard needs of each game of `env` (players, scores, termination,
        forfeit player), in id order, without reading the moves. SQLite writes all rows as
        one JSON document, parsed in one call: half the time of a json.loads per row."""
        where, args = _where(env, tournament, None, None)
        doc = self.db.execute(
            "SELECT json_group_array(json_array(g.id, json(g.players), json(g.scores), g.termination, "
            "g.forfeit_player)) FROM games g JOIN tournaments t ON t.id = g.tournament_id" + where,
            args,
        ).fetchone()[0]
        rows = sorted(json.loads(doc or "[]"), key=lambda r: r[0])  # aggregate order is not guaranteed
        return [{"players": p, "scores": s, "termination": term, "forfeit_player": f} for _, p, s, term, f in rows]

    def result_counts(self, env: str, tournament: str | None = None) -> list[dict[str, Any]]:
        """`summaries` with identical results counted once: each distinct (players in seat
        order, scores, termination, forfeit player) with its `count`, in the order of its first
        game. All a Bradley-Terry board needs: SQLite groups the 10^5 games of 100 agents into
        about 1.7 * 10^4 rows and writes them as one JSON document (as `summaries` does)."""
        where, args = _where(env, tournament, None, None)
        doc = self.db.execute(
            "SELECT json_group_array(json_array(json(players), json(scores), termination, forfeit_player, n, first)) "
            "FROM (SELECT g.players, g.scores, g.termination, g.forfeit_player, count(*) AS n, min(g.id) AS first "
            "FROM games g JOIN tournaments t ON t.id = g.tournament_id" + where + " GROUP BY 1, 2, 3, 4)",
            args,
        ).fetchone()[0]
        rows = sorted(json.loads(doc or "[]"), key=lambda r: r[5])  # aggregate order is not guaranteed
        return [
            {"players": p, "scores": s, "termination": term, "forfeit_player": f, "count": n}
            for p, s, term, f, n, _ in rows
        ]

    def envs(self) -> list[tuple[str, int]]:
        """(env id, number of games) of every env with stored games."""
        return [(r[0], r[1]) for r in self.db.execute("SELECT env, count(*) FROM games GROUP BY env ORDER BY env")]

    def game(self, game_id: int) -> StoredGame:
        row = self.db.execute(
            "SELECT g.*, t.name AS tname FROM games g JOIN tournaments t ON t.id = g.tournament_id WHERE g.id=?",
            (game_id,),
        ).fetchone()
        if row is None:
            raise ArenaError(f"no game with id {game_id} in {self.path}; see `arena games`")
        return _stored(row)

    def _tournament_id(self, name: str) -> int:
        row = self.db.execute("SELECT id FROM tournaments WHERE name=?", (name,)).fetchone()
        if row is None:
            raise ArenaError(f"no tournament {name!r} in {self.path}")
        return row[0]


def _where(env: str | None, tournament: str | None, agents: list[str] | None, termination: str | None):
    """The WHERE clause and arguments of a game filter (g: games, t: tournaments); a game
    matches `agents` when one of its players is any of those specs."""
    where, args = [], []
    for clause, value in (("g.env=?", env), ("t.name=?", tournament), ("g.termination=?", termination)):
        if value is not None and value != "":
            where.append(clause)
            args.append(value)
    if agents:  # players is a JSON list of strings: a quoted spec matches that spec only
        where.append("(" + " OR ".join(["instr(g.players, ?) > 0"] * len(agents)) + ")")
        args += [json.dumps(a) for a in agents]
    return (" WHERE " + " AND ".join(where) if where else ""), args


def _disk_full(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == getattr(sqlite3, "SQLITE_FULL", 13) or "disk is full" in str(exc)


def _full_message(path: Path, tournament: str) -> str:
    again = (
        (f"; games stored so far are kept: free space, then rerun the same command to resume tournament {tournament!r}")
        if tournament
        else "; free space or pass --db elsewhere"
    )
    return f"the disk holding {path} is full{again}"


def _on_readonly_filesystem(path: Path) -> bool:
    try:
        return bool(os.statvfs(path.resolve().parent).f_flag & getattr(os, "ST_RDONLY", 1))
    except (OSError, AttributeError):
        return False


def _stored(row: sqlite3.Row) -> StoredGame:
    record = GameRecord(
        env_id=row["env"],
        seed=row["seed"],
        players=json.loads(row["players"]),
        sides=json.loads(row["sides"]),
        moves=json.loads(row["moves"]),
        latencies=json.loads(row["latencies"]),
        returns=json.loads(row["returns"]),
        scores=json.loads(row["scores"]),
        termination=row["termination"],
        forfeit_player=row["forfeit_player"],
        reason=row["reason"],
    )
    return StoredGame(row["id"], row["tname"], row["game_key"], row["created"], record)


def _differences(stored: Tournament, wanted: Tournament) -> str:
    if stored.env != wanted.env:
        return f"stored env {stored.env}"
    if stored.agents != wanted.agents:
        return f"stored agents {' '.join(stored.agents)}"
    keys = sorted(set(stored.config) | set(wanted.config))
    return ", ".join(
        f"{k}: stored {stored.config.get(k)!r}, now {wanted.config.get(k)!r}"
        for k in keys
        if stored.config.get(k) != wanted.config.get(k)
    )


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


def canonical(spec: str, env_id: str | None) -> str:
    """`arena.agents.canonical_spec`, or the spec as typed when its agent cannot say (not
    installed, or it no longer accepts the spec): a store never loses a game over a name."""
    from arena.agents import canonical_spec

    try:
        return canonical_spec(spec, env_id)
    except Exception:  # noqa: BLE001 - any failure of a plugin to canonicalise keeps the spelling
        return spec


def _migrate(db: sqlite3.Connection, canon) -> None:
    """Schema 1 -> 2 in one transaction: every stored spec (games' players, tournaments' agents
    and challenger, the agents table) becomes canonical on its env. An agents row moves to its
    canonical spec on each env it was played on (rows that meet there are merged, the first
    one's fields winning), keeping its spelling in meta "typed". Keys, seeds, results and
    moves are untouched, so a run started before resumes exactly. Another writer may have
    migrated first: the version is read again under the write lock."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if db.execute("PRAGMA user_version").fetchone()[0] >= 2:
            db.execute("ROLLBACK")
            return
        envs: dict[str, set[str]] = defaultdict(set)  # spelling -> envs it played or entered on
        for env, players in db.execute("SELECT DISTINCT env, players FROM games").fetchall():
            typed = json.loads(players)
            for p in typed:
                envs[p].add(env)
            new = [canon(p, env) for p in typed]
            if new != typed:
                db.execute("UPDATE games SET players=? WHERE env=? AND players=?", (json.dumps(new), env, players))
        for tid, env, agents, config in db.execute("SELECT id, env, agents, config FROM tournaments").fetchall():
            typed, cfg = json.loads(agents), json.loads(config)
            for p in typed:
                envs[p].add(env)
            new_cfg = {**cfg, "challenger": canon(cfg["challenger"], env)} if cfg.get("challenger") else cfg
            new = [canon(p, env) for p in typed]
            if new != typed or new_cfg != cfg:
                db.execute(
                    "UPDATE tournaments SET agents=?, config=? WHERE id=?",
                    (json.dumps(new), json.dumps(new_cfg, sort_keys=True), tid),
                )
        for row in db.execute("SELECT * FROM agents ORDER BY id").fetchall():
            spec = row["spec"]
            targets = sorted({canon(spec, e) for e in envs.get(spec, ())} or {canon(spec, None)})
            if targets == [spec]:
                continue
            meta = json.loads(row["meta"])
            for target in targets:
                _merge_agent(db, target, row, {**meta, "typed": sorted({*meta.get("typed", []), spec})})
            if spec not in targets:
                db.execute("DELETE FROM agents WHERE id=?", (row["id"],))
        db.execute("PRAGMA user_version=2")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _merge_agent(db: sqlite3.Connection, spec: str, row: sqlite3.Row, meta: dict) -> None:
    """Give `spec` the fields of agents row `row`: a new row, or merged into the existing one."""
    have = db.execute("SELECT * FROM agents WHERE spec=?", (spec,)).fetchone()
    if have is None:
        db.execute(
            "INSERT INTO agents (spec, plugin, version, checkpoint_hash, run, step, meta) VALUES (?,?,?,?,?,?,?)",
            (spec, row["plugin"], row["version"], row["checkpoint_hash"], row["run"], row["step"], json.dumps(meta)),
        )
        return
    old = json.loads(have["meta"])
    merged = {**meta, **old, "typed": sorted({*meta.get("typed", []), *old.get("typed", [])})}
    fields = [
        have[k] if have[k] is not None else row[k] for k in ("plugin", "version", "checkpoint_hash", "run", "step")
    ]
    db.execute(
        "UPDATE agents SET plugin=?, version=?, checkpoint_hash=?, run=?, step=?, meta=? WHERE id=?",
        (*fields, json.dumps(merged), have["id"]),
    )
