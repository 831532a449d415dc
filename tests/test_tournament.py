"""Tournaments on real OpenSpiel games with real SQLite files: schedules, seat swaps,
openings, validation, hooks, resume after SIGKILL, the process pool and Ray."""

import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from arena import Agent, ArenaError, hookimpl
from arena.backends import LocalPool, make_backend
from arena.store import Store
from arena.tournament import TournamentConfig, group_games, replay, replay_matches, run_tournament, swiss_pairs

TTT = "openspiel/tic_tac_toe"
C4 = "openspiel/connect_four"
FIELD = ["random", "minimax", "mcts:sims=30"]


def outcome(records):
    """What must be identical between two runs (timings aside)."""
    return [(r.seed, r.players, r.moves, r.scores, r.termination) for r in records]


def test_pairs_share_a_seed_and_swap_seats():
    jobs = group_games(0, (0, 2), ["a", "b", "c"], 6, seed=7)
    assert [j.players for j in jobs] == [("a", "c"), ("c", "a")] * 3
    seeds = [j.seed for j in jobs]
    assert seeds[0] == seeds[1] and seeds[2] == seeds[3] and len(set(seeds)) == 3
    assert len({j.key for j in jobs}) == 6
    assert group_games(0, (0, 2), ["a", "b", "c"], 6, seed=7) == jobs  # a pure function of the seed


def test_three_sides_rotate_through_every_seat():
    jobs = group_games(1, (0, 1, 2), ["a", "b", "c"], 3, seed=0)
    assert [j.players for j in jobs] == [("a", "b", "c"), ("b", "c", "a"), ("c", "a", "b")]
    assert len({j.seed for j in jobs}) == 1


def test_swiss_pairs_within_score_groups_without_repeats():
    pairs, bye = swiss_pairs([2, 2, 1, 1, 0], played={frozenset((0, 1))}, byes=set())
    assert bye == 4
    assert pairs == [(0, 2), (1, 3)]
    pairs, bye = swiss_pairs([0, 0, 0, 0, 0], played=set(), byes={4})
    assert bye == 3 and pairs == [(0, 1), (2, 4)]


def test_round_robin_stores_every_game_and_each_replays(tmp_path):
    store = Store(tmp_path / "a.db")
    result = run_tournament(TournamentConfig(TTT, FIELD, games=4), store)
    assert result.played == len(result.records) == 3 * 4
    assert Counter(p for r in result.records for p in r.players) == {a: 8 for a in FIELD}
    for game in store.games():
        assert replay_matches(game.record, replay(game.record)) is None
    minimax = [r.scores[r.players.index("minimax")] for r in result.records if "minimax" in r.players]
    assert min(minimax) >= 0.5  # perfect play never loses tic-tac-toe
    again = run_tournament(TournamentConfig(TTT, FIELD, games=4), store)  # resume: nothing missing
    assert again.played == 0 and outcome(again.records) == outcome(result.records)


def test_opening_plies_are_shared_by_a_pair_and_vary_between_pairs(tmp_path):
    config = TournamentConfig(TTT, ["minimax", "mcts:sims=30"], games=6, opening_plies=3)
    records = run_tournament(config, Store(tmp_path / "o.db")).records
    openings = [tuple(map(str, r.moves[:3])) for r in records]
    assert openings[0] == openings[1] and openings[2] == openings[3] and openings[4] == openings[5]
    assert len(set(openings)) == 3
    for r in records:
        assert replay_matches(r, replay(r)) is None


def test_gauntlet_and_swiss_schedules(tmp_path):
    store = Store(tmp_path / "g.db")
    gauntlet = run_tournament(TournamentConfig(TTT, ["random", "mcts:sims=10", "mcts:sims=20"], "gauntlet",
                                               games=2, challenger="minimax"), store)
    assert all("minimax" in r.players for r in gauntlet.records) and len(gauntlet.records) == 6
    field = ["random", "minimax", "mcts:sims=5", "mcts:sims=10", "mcts:sims=40"]
    swiss = run_tournament(TournamentConfig(TTT, field, "swiss", games=2, rounds=3), store)
    assert len(swiss.records) == 3 * 2 * 2  # 5 agents: two pairings a round, one bye
    pairings = Counter(frozenset(r.players) for r in swiss.records)
    assert set(pairings.values()) == {2}  # no pairing repeated across rounds


def test_bad_settings_fail_before_any_game(tmp_path):
    store = Store(tmp_path / "b.db")
    with pytest.raises(ArenaError, match="--games must be"):
        run_tournament(TournamentConfig(TTT, FIELD, games=3), store)
    with pytest.raises(ArenaError, match="unknown agent"):
        run_tournament(TournamentConfig(TTT, ["random", "no-such-bot"], games=2), store)
    with pytest.raises(ArenaError, match="sims"):
        run_tournament(TournamentConfig(TTT, ["random", "mcts:sims=0"], games=2), store)
    run_tournament(TournamentConfig(TTT, ["random", "minimax"], games=2), store, name="t")
    with pytest.raises(ArenaError, match="already exists"):
        run_tournament(TournamentConfig(TTT, ["random", "mcts:sims=5"], games=2), store, name="t")
    assert len(store.games()) == 2


class IllegalAgent(Agent):
    def act(self, obs):
        return -1


def test_a_broken_agent_fails_validation_and_hooks_fire(tmp_path, register_plugin):
    seen = {"games": 0, "end": None}

    class Plugin:
        @hookimpl
        def register_agents(register):
            register("illegal-bot", "test_tournament:IllegalAgent")

        @hookimpl
        def on_game_end(record):
            seen["games"] += 1

        @hookimpl
        def on_tournament_end(name, results):
            seen["end"] = (name, len(results))

    register_plugin(Plugin, "tournament-test-plugin")
    store = Store(tmp_path / "v.db")
    with pytest.raises(ArenaError, match="illegal-bot failed its validation move.*illegal"):
        run_tournament(TournamentConfig(TTT, ["random", "illegal-bot"], games=2), store)
    assert store.tournaments() == []  # nothing stored for a tournament that never started
    run_tournament(TournamentConfig(TTT, ["random", "minimax"], games=2), store, name="hooks")
    assert seen == {"games": 2, "end": ("hooks", 2)}


def test_process_pool_gives_the_same_games_as_inline(tmp_path):
    config = TournamentConfig(TTT, FIELD, games=4, seed=3, opening_plies=1)
    inline = run_tournament(config, Store(tmp_path / "i.db"))
    pool = LocalPool(2)
    try:
        pooled = run_tournament(config, Store(tmp_path / "p.db"), pool)
    finally:
        pool.close()
    assert outcome(pooled.records) == outcome(inline.records)


def test_killed_run_resumes_to_the_uninterrupted_result(tmp_path):
    """SIGKILL a real `arena tournament` mid-run, rerun it, compare with a run never killed."""
    agents = ["random", "mcts:sims=1500", "mcts:sims=3000"]  # slow enough to be killed mid-run on an idle machine
    args = [sys.executable, "-m", "arena", "tournament", C4, *agents, "--games", "4",
            "--concurrency", "2", "--quiet", "--db", str(tmp_path / "k.db")]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    stored = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if (tmp_path / "k.db").exists():
            try:
                with Store(tmp_path / "k.db", readonly=True) as s:
                    stored = len(s.games())
            except ArenaError:  # schema not written yet
                continue
            if stored >= 2:
                break
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with Store(tmp_path / "k.db", readonly=True) as s:
        partial = len(s.games())
    assert 2 <= partial < 12
    assert subprocess.run(args, capture_output=True).returncode == 0
    clean = run_tournament(TournamentConfig(C4, agents, games=4), Store(tmp_path / "clean.db"))
    with Store(tmp_path / "k.db", readonly=True) as s:
        resumed = sorted(s.games(), key=lambda g: g.key)
        by_key = s.typed_games(clean.name, C4, agents)  # the store keeps canonical specs; the run its own
    assert len(resumed) == len({g.key for g in resumed}) == 12
    assert outcome(by_key[k] for k in sorted(by_key, key=_order)) == outcome(clean.records)


def _order(key):
    r, group, g = key.split(":")
    return int(r[1:]), tuple(map(int, group.split("-"))), int(g)


def test_ray_backend_matches_local(tmp_path):
    pytest.importorskip("ray", reason="ray is an optional extra: pip install 'arena-league[ray]'")
    config = TournamentConfig(TTT, ["random", "minimax", "mcts:sims=20"], games=2, seed=5)
    local = run_tournament(config, Store(tmp_path / "l.db"))
    backend = make_backend("ray", 2)
    try:
        remote = run_tournament(config, Store(tmp_path / "r.db"), backend)
    finally:
        backend.close()
    assert outcome(remote.records) == outcome(local.records)


class FirstLegal(Agent):
    def act(self, obs):
        return obs.legal_actions[0]


class LastLegal(Agent):
    def act(self, obs):
        return obs.legal_actions[-1]


def test_three_player_games_rotate_every_agent_through_every_seat(tmp_path, register_plugin):
    class Plugin:
        @hookimpl
        def register_agents(register):
            register("first-legal", "test_tournament:FirstLegal")
            register("last-legal", "test_tournament:LastLegal")

    register_plugin(Plugin, "rotation-test-plugin")
    env_id = "openspiel/kuhn_poker:players=3"
    config = TournamentConfig(env_id, ["random", "first-legal", "last-legal"], games=6)
    records = run_tournament(config, Store(tmp_path / "k.db")).records
    assert len(records) == 6
    seats = Counter((p, seat) for r in records for seat, p in enumerate(r.players))
    assert set(seats.values()) == {2} and len(seats) == 9  # each agent twice in each seat
    assert all(replay_matches(r, replay(r)) is None for r in records)
    with pytest.raises(ArenaError, match="multiple of 3"):
        run_tournament(TournamentConfig(env_id, config.agents, games=4), Store(tmp_path / "k.db"))


def test_closing_the_pool_mid_game_stops_the_game_rather_than_waiting_for_it():
    """What Ctrl-C relies on: the games in progress are dropped, not played to the end."""
    from arena.backends import Job, Settings

    pool = LocalPool(1)
    pool._submit(Settings(C4), Job("slow", 1, ("mcts:sims=200000", "mcts:sims=200000")))  # minutes of search
    time.sleep(1.0)
    started = time.time()
    pool.close()
    assert time.time() - started < 10
    assert not pool.in_flight
