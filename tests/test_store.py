"""The SQLite store on real files: recording, deduplication, metadata, and bad files left untouched."""

import json
import sqlite3

import pytest

from arena import ArenaError, make_agent, make_env, play
from arena.store import Store, checkpoint_hash


def a_game(seed=0):
    env = make_env("openspiel/tic_tac_toe")
    agents = [make_agent("random", env), make_agent("minimax", env)]
    return play(env, agents, seed, names=["random", "minimax"])


def test_a_game_round_trips_and_a_key_is_stored_once(tmp_path):
    store = Store(tmp_path / "s.db")
    store.open_tournament("t", "openspiel/tic_tac_toe", ["random", "minimax"], {"games": 2})
    record = a_game(3)
    first = store.add_game("t", "r0:0-1:0", record)
    assert first is not None
    assert store.add_game("t", "r0:0-1:0", a_game(4)) is None  # the unique key wins
    (stored,) = store.games(tournament="t")
    assert stored.key == "r0:0-1:0" and stored.id == first
    assert stored.record.latencies == pytest.approx(record.latencies, abs=1e-6)  # stored to the µs
    stored.record.latencies = record.latencies
    assert stored.record.players == ["random", "minimax:depth=0"]  # stored canonical: tic-tac-toe is solved
    stored.record.players = record.players
    assert stored.record == record
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_record_game_creates_the_tournament_and_checkpoints_chart(tmp_path):
    checkpoint = tmp_path / "step_100.pt"
    checkpoint.write_bytes(b"weights")
    spec = f"random:checkpoint={checkpoint}"  # a spec naming a file: its hash is recorded
    record = a_game()
    record.players = [spec, "minimax"]
    with Store(tmp_path / "s.db") as store:
        store.record_game("run-evals", "openspiel/tic_tac_toe", record)
        store.record_game("run-evals", "openspiel/tic_tac_toe", record)  # no key: a new game each call
        store.tag_agent(spec, run="c4-run", step=100, note="eval")
    with Store(tmp_path / "s.db", readonly=True) as store:
        assert len(store.games(env="openspiel/tic_tac_toe")) == 2
        assert store.tournament("run-evals").config == {"format": "external"}
        assert store.checkpoints() == {spec: ("c4-run", 100)}
        (agent,) = [a for a in store.agents() if a["spec"] == spec]
        assert agent["checkpoint_hash"] == checkpoint_hash(spec) and len(agent["checkpoint_hash"]) == 64
        assert agent["meta"] == {"note": "eval"}


def test_reused_name_with_other_settings_is_refused(tmp_path):
    store = Store(tmp_path / "s.db")
    store.open_tournament("t", "openspiel/tic_tac_toe", ["random", "minimax"], {"games": 2})
    store.open_tournament("t", "openspiel/tic_tac_toe", ["random", "minimax"], {"games": 2})  # same: fine
    with pytest.raises(ArenaError, match="other agents"):
        store.open_tournament("t", "openspiel/tic_tac_toe", ["random", "mcts"], {"games": 2})
    with pytest.raises(ArenaError, match="games: stored 2, now 4"):
        store.open_tournament("t", "openspiel/tic_tac_toe", ["random", "minimax"], {"games": 4})


@pytest.mark.parametrize("content", [b"this is not a database, just some bytes" * 200, "sqlite"])
def test_a_foreign_or_corrupt_file_is_refused_and_left_alone(tmp_path, content):
    path = tmp_path / "other.db"
    if content == "sqlite":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE notes (x)")
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    for readonly in (False, True):
        with pytest.raises(ArenaError, match="other.db"):
            Store(path, readonly=readonly)
    assert path.read_bytes() == before


def test_missing_or_unwritable_paths_are_one_line_errors(tmp_path):
    with pytest.raises(ArenaError, match="no database"):
        Store(tmp_path / "missing.db", readonly=True)
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(ArenaError, match="does not exist"):
        Store(tmp_path / "no" / "such" / "dir.db")
    with pytest.raises(ArenaError, match="is a directory"):
        Store(tmp_path)
    with pytest.raises(ArenaError, match="no game with id 7"):
        Store(tmp_path / "s.db").game(7)


def test_a_checkpoint_replaced_after_its_games_is_refused(tmp_path):
    checkpoint = tmp_path / "latest.pt"
    checkpoint.write_bytes(b"first network")
    spec = f"random:checkpoint={checkpoint}"
    record = a_game()
    record.players = [spec, "minimax"]
    with Store(tmp_path / "s.db") as store:
        store.register_agent(spec)
        checkpoint.write_bytes(b"retrained, no games yet")
        store.register_agent(spec)  # nothing stored under the old file: the new hash is recorded
        store.record_game("t", "openspiel/tic_tac_toe", record)
        store.register_agent(spec)  # unchanged file: resuming is fine
        checkpoint.write_bytes(b"second network")
        with pytest.raises(ArenaError, match="changed since its games"):
            store.register_agent(spec)
        assert len(store.games()) == 1  # nothing stored is lost


def test_result_counts_give_the_board_of_every_stored_game_and_an_index_covers_them(tmp_path):
    from arena.leaderboard.stored import board_from_records, board_from_store

    path = tmp_path / "s.db"
    with Store(path) as store:
        for seed in range(12):
            record = a_game(seed % 3)  # three distinct games, each stored four times
            record.players = [["random", "minimax"], ["minimax", "random"], ["random", "random"]][seed % 3]
            store.record_game("t", "openspiel/tic_tac_toe", record)
        store.db.execute("DROP INDEX games_results")  # as a store made before the index
    with Store(path, readonly=True) as store:
        assert store.db.execute("SELECT 1 FROM sqlite_master WHERE name='games_results'").fetchone() is None
        counts = store.result_counts("openspiel/tic_tac_toe")
        assert [c["count"] for c in counts] == [4, 4, 4]
        mm = "minimax:depth=0"  # stored canonical
        assert [c["players"] for c in counts] == [["random", mm], [mm, "random"], ["random", "random"]]
        records = [g.record for g in store.games(env="openspiel/tic_tac_toe")]
        by_counts = board_from_store(store, "openspiel/tic_tac_toe").to_json_full()
        one_by_one = board_from_records(
            records, "openspiel/tic_tac_toe leaderboard", typed=store.typed_specs()
        ).to_json_full()
        drop = lambda text: {k: v for k, v in json.loads(text).items() if k != "settings"}  # noqa: E731
        assert drop(by_counts) == drop(one_by_one)
    with Store(path) as store:  # opened for writing: the index comes back
        plan = store.db.execute(
            "EXPLAIN QUERY PLAN SELECT players, scores, termination, forfeit_player, count(*) FROM games "
            "WHERE env=? GROUP BY 1, 2, 3, 4", ("openspiel/tic_tac_toe",)).fetchall()
        assert "COVERING INDEX games_results" in " ".join(str(row[-1]) for row in plan)
