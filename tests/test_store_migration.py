"""Stores of schema 1 (specs as typed) migrate to schema 2 (canonical specs) on their first
writable open: real SQLite files written the way schema 1 wrote them, real games, real runs."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from arena import make_agent, make_env, play
from arena.errors import ArenaError
from arena.store import _SCHEMA, Store
from arena.tournament import TournamentConfig, run_tournament

C4 = "openspiel/connect_four"
TTT = "openspiel/tic_tac_toe"
AGENTS = ["random", "minimax", "mcts:sims=2"]
MCTS2 = "mcts:max_memory_mb=1000,rollouts=1,sims=2,solve=true,uct_c=2.0"


def schema_1(path: Path, tournaments, agents=(), display=None) -> None:
    """Write a store as schema 1 did: the same tables, user_version 1, specs as typed.
    tournaments: (name, env, agents, config, {key: record}); agents: extra agents rows."""
    db = sqlite3.connect(path)
    db.executescript(f"{_SCHEMA} PRAGMA user_version=1;")
    specs = dict.fromkeys([*(a for t in tournaments for a in t[2]), *agents])
    for spec in specs:
        meta = {"display": display[spec]} if display and spec in display else {}
        db.execute("INSERT INTO agents (spec, plugin, version, meta) VALUES (?,?,?,?)",
                   (spec, "arena", "0.1.0", json.dumps(meta)))
    for tid, (name, env, typed, config, games) in enumerate(tournaments, 1):
        db.execute("INSERT INTO tournaments (id, name, env, agents, config, created) VALUES (?,?,?,?,?,?)",
                   (tid, name, env, json.dumps(typed), json.dumps(config, sort_keys=True), 1.0))
        for key, r in games.items():
            db.execute(
                "INSERT INTO games (tournament_id, game_key, seed, env, players, sides, scores, returns, termination,"
                " forfeit_player, reason, moves, latencies, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (tid, key, r.seed, env, json.dumps(r.players), json.dumps(r.sides), json.dumps(r.scores),
                 json.dumps(r.returns), r.termination, r.forfeit_player, r.reason,
                 json.dumps(r.moves, separators=(",", ":")), json.dumps(r.latencies), 2.0),
            )
    db.commit()
    db.close()


def rows(path: Path, table: str) -> list[dict]:
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute(f"SELECT * FROM {table} ORDER BY id")]


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def outcome(records):
    return [(r.seed, r.moves, r.scores, r.termination) for r in records]


def c4_games(players_by_key: dict[str, list[str]]):
    env = make_env(C4)
    out = {}
    for n, (key, players) in enumerate(players_by_key.items()):
        out[key] = play(env, [make_agent("random", env), make_agent("random", env)], n, names=players)
    return out


def test_a_tournament_started_under_schema_1_migrates_on_open_and_resumes_exactly(tmp_path):
    config = TournamentConfig(TTT, AGENTS, games=2, seed=3)
    clean = run_tournament(config, Store(tmp_path / "clean.db"))  # never interrupted
    with Store(tmp_path / "clean.db", readonly=True) as s:
        games = s.typed_games(clean.name, TTT, AGENTS)  # as schema 1 stored them: typed specs
    half = dict(sorted(games.items())[: len(games) // 2])
    old = tmp_path / "old.db"
    schema_1(old, [(clean.name, TTT, AGENTS, clean.config.stored(), half)])

    resumed = run_tournament(config, Store(old))  # the same command again, on the old file

    assert user_version(old) == 2
    assert resumed.played == len(games) - len(half) == 3
    assert outcome(resumed.records) == outcome(clean.records)
    stored = {p for g in rows(old, "games") for p in json.loads(g["players"])}
    assert stored == {"random", "minimax:depth=0", MCTS2}  # depth 0: search to the end
    (t,) = rows(old, "tournaments")
    assert json.loads(t["agents"]) == ["random", "minimax:depth=0", MCTS2]
    # and once more: nothing left to play
    assert run_tournament(config, Store(old)).played == 0


def test_the_migration_keeps_every_game_and_merges_spellings_of_one_agent(tmp_path):
    path = tmp_path / "old.db"
    first = c4_games({"r0:0-1:0": ["random", "minimax"], "r0:0-1:1": ["minimax", "random"]})
    second = c4_games({"r0:0-1:0": ["minimax:depth=4", "random"], "ext:1": ["nosuch:x=1", "minimax:depth=banana"]})
    schema_1(
        path,
        [("one", C4, ["random", "minimax"], {"games": 2}, first),
         ("two", C4, ["minimax:depth=4", "random"], {"games": 2, "challenger": "minimax:depth=4"}, second)],
        agents=["nosuch:x=1", "minimax:depth=banana"],
        display={"minimax": "mm"},
    )
    before = rows(path, "games")

    Store(path).close()  # a writable open migrates

    after = rows(path, "games")
    assert len(after) == len(before) == 4
    canonical = {"random": "random", "minimax": "minimax:depth=4", "minimax:depth=4": "minimax:depth=4",
                 "nosuch:x=1": "nosuch:x=1", "minimax:depth=banana": "minimax:depth=banana"}  # unknown: as typed
    for old, new in zip(before, rows(path, "games")):
        assert json.loads(new.pop("players")) == [canonical[p] for p in json.loads(old.pop("players"))]
        assert new == old  # keys, seeds, moves, scores, times: untouched
    agents = {a["spec"]: a for a in rows(path, "agents")}
    assert set(agents) == {"random", "minimax:depth=4", "nosuch:x=1", "minimax:depth=banana"}
    merged = json.loads(agents["minimax:depth=4"]["meta"])
    assert merged == {"display": "mm", "typed": ["minimax"]}  # the display name and the spelling kept
    assert agents["minimax:depth=4"]["plugin"] == "arena"
    two = [t for t in rows(path, "tournaments") if t["name"] == "two"][0]
    assert json.loads(two["config"])["challenger"] == "minimax:depth=4"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # one row on the board, under its display name, with the games of both tournaments
    with Store(path, readonly=True) as s:
        from arena.leaderboard.stored import board_from_store

        board = board_from_store(s, C4)
        assert [r["games"] for r in board.rows if r["agent"] == "mm"] == [3]
        assert len(s.games(agent="minimax")) == 3  # a filter may use any spelling
    Store(path).close()  # a second open changes nothing
    assert rows(path, "games") == after and user_version(path) == 2


def test_a_migration_that_fails_leaves_the_old_store_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    schema_1(path, [("one", C4, ["random", "minimax"], {"games": 2}, c4_games({"k": ["random", "minimax"]}))])
    before = (rows(path, "games"), rows(path, "agents"), rows(path, "tournaments"))

    def fail(*args):
        raise RuntimeError("power cut")

    monkeypatch.setattr("arena.store._merge_agent", fail)
    with pytest.raises(RuntimeError, match="power cut"):
        Store(path)
    assert user_version(path) == 1
    assert (rows(path, "games"), rows(path, "agents"), rows(path, "tournaments")) == before


def test_an_old_store_opened_read_only_is_read_as_it_is(tmp_path):
    path = tmp_path / "old.db"
    schema_1(path, [("one", C4, ["random", "minimax"], {"games": 2},
                     c4_games({"a": ["random", "minimax"], "b": ["minimax:depth=4", "random"]}))])
    data = path.read_bytes()
    with Store(path, readonly=True) as s:
        from arena.leaderboard.stored import board_from_store

        assert s.schema == 1
        board = board_from_store(s, C4)
        assert sorted(r["agent"] for r in board.rows) == ["minimax", "random"]  # grouped when read
    assert path.read_bytes() == data and user_version(path) == 1


def test_an_old_store_on_a_read_only_filesystem_still_opens_and_reads(tmp_path, arena_main):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "fs"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(disk)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        path = disk / "old.db"
        schema_1(path, [("one", C4, ["random", "minimax"], {"games": 2},
                         c4_games({"a": ["random", "minimax"], "b": ["minimax:depth=4", "random"]}))])
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        code, out, err = arena_main("leaderboard", C4, "--db", str(path), "--csv")
        assert code == 0, err
        assert sorted(line.split(",")[1] for line in out.splitlines()[1:]) == ["minimax", "random"]
        code, out, err = arena_main("games", "--db", str(path), "--agent", "minimax", "--json")
        assert code == 0 and out.count('"key"') == 2, err
        with pytest.raises(ArenaError, match="not writable"):
            Store(path)
        assert user_version(path) == 1
    finally:
        subprocess.run(["umount", "-l", str(disk)])
