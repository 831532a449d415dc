"""`arena serve` on a large store: leaderboard page cold and warm, replay page.

    nice -n 10 python benchmarks/bench_serve.py                 # 100 agents, 100,000 games
    nice -n 10 python benchmarks/bench_serve.py --games 20000   # smaller

The store is synthetic but made of real parts: a pool of real Connect Four games (random
against random, played by the referee) supplies the moves, and each stored game takes a pool
game whose outcome was drawn from the agents' true strengths (Elo 0 to 1500, logistic), so
every stored game replays and its scores match its moves. Games are written through
`Store.add_game`, in transactions of 10,000 (one commit per game, as a tournament does, would
only make the build slower). One more game is stored while the server runs, to time the
page while its board is refitted. The server is the real one (waitress, HTTP on localhost); times
are wall clock per request, as a browser would wait for the HTML.
"""
from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np

ENV = "openspiel/connect_four"


def build_store(path: Path, agents: int, games: int, seed: int = 0) -> None:
    from arena.api import make_agent, make_env
    from arena.referee import play
    from arena.store import Store

    rng = np.random.default_rng(seed)
    env = make_env(ENV)
    pool: dict[int, list] = {0: [], 1: [], 2: []}  # seat 0 won, seat 1 won, draw
    for s in range(400):
        record = play(env, [make_agent("random", env), make_agent("random", env)], s)
        pool[0 if record.scores[0] > record.scores[1] else 1 if record.scores[0] < record.scores[1] else 2].append(record)
    names = [f"synthetic-{i:02d}" for i in range(agents)]
    strength = np.linspace(0, 1500, agents)
    a = rng.integers(0, agents, games)
    b = (a + rng.integers(1, agents, games)) % agents  # never the same agent twice
    p_a = 1 / (1 + 10 ** ((strength[b] - strength[a]) / 400))
    draw = rng.random(games) < 0.02 * bool(pool[2])
    a_wins = rng.random(games) < p_a
    with Store(path) as store:
        store.open_tournament("bench", ENV, names, {"format": "synthetic"})
        store.db.execute("BEGIN")
        for g in range(games):
            outcome = 2 if draw[g] else 0 if a_wins[g] else 1  # in seat order: a sits in seat 0
            base = pool[outcome][g % len(pool[outcome])]
            record = type(base)(**{**base.to_dict(), "players": [names[a[g]], names[b[g]]]})
            store.add_game("bench", f"g{g}", record)
            if g % 10_000 == 9_999:
                store.db.execute("COMMIT")
                store.db.execute("BEGIN")
        store.db.execute("COMMIT")


def serve(path: Path):
    from waitress import create_server

    from arena.web import create_app

    server = create_server(create_app(path, prefit=False), host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}"


def fetch(url: str, body: list | None = None) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as r:
        text = r.read()
        assert r.status == 200 and text
    if body is not None:
        body.append(text.decode())
    return time.perf_counter() - start


def store_one_game(path: Path) -> None:
    """A game arriving while the server runs (as from a tournament on the same store)."""
    from arena.store import Store

    with Store(path) as store:
        game = next(store.iter_games(limit=1))
        store.record_game("bench-live", ENV, game.record)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--games", type=int, default=100_000)
    parser.add_argument("--db", default="/tmp/bench_serve.db")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    path = Path(args.db)
    from arena.store import Store

    if path.exists():
        with Store(path, readonly=True) as store:
            bench = store.tournament("bench")
            stale = bench is None or len(bench.agents) != args.agents or store.count_games(tournament="bench") != args.games
        if stale:
            path.unlink()
    if not path.exists():
        start = time.perf_counter()
        build_store(path, args.agents, args.games)
        print(f"built {path}: {args.agents} agents, {args.games} games in {time.perf_counter() - start:.1f} s")
    board = f"/leaderboard?{urllib.parse.urlencode({'env': ENV})}"
    server, url = serve(path)
    try:
        cpu = time.process_time()  # the server runs in this process: its CPU time, which a loaded machine does not inflate
        cold = fetch(url + board)  # a fresh server: nothing cached, the fit runs
        cold_cpu = time.process_time() - cpu
        warm = [fetch(url + board) for _ in range(args.repeat)]
        ids = np.random.default_rng(1).integers(1, args.games + 1, args.repeat).tolist()
        replay_cold = [fetch(f"{url}/game/{i}") for i in ids]  # first view of each game
        replay_warm = [fetch(f"{url}/game/{i}") for i in ids]
        games_page = [fetch(f"{url}/games?agent=synthetic-07&page=3") for _ in range(args.repeat)]
        store_one_game(path)  # the board is now stale: served at once, refitted in the background
        pages: list[str] = []
        stale = fetch(url + board, pages)
        assert "being refitted" in pages[-1]
        start = time.perf_counter()
        while "being refitted" in pages[-1]:
            time.sleep(0.05)
            fetch(url + board, pages)
        refit = time.perf_counter() - start
    finally:
        server.close()
    from arena.leaderboard.stored import board_from_store, board_from_summaries

    with Store(path, readonly=True) as store:  # where a cold page's time goes
        start = time.perf_counter()
        counts = store.result_counts(ENV)
        read = time.perf_counter() - start
        start = time.perf_counter()
        board_from_summaries(ENV, counts)
        fit = time.perf_counter() - start
        start = time.perf_counter()
        board_from_store(store, ENV)
        whole = time.perf_counter() - start
    results = {
        "leaderboard cold": cold,
        "leaderboard cold, CPU time of the process": cold_cpu,
        "  apart: Store.result_counts()": read,
        "  apart: board_from_summaries()": fit,
        "  apart: board_from_store() (both)": whole,
        "leaderboard warm (median)": statistics.median(warm),
        "replay first view (median)": statistics.median(replay_cold),
        "replay first view (max)": max(replay_cold),
        "replay again (median)": statistics.median(replay_warm),
        "game list, one agent, page 3 (median)": statistics.median(games_page),
        "leaderboard after a new game (old board)": stale,
        "until the refitted board is served": refit,
    }
    import os

    print(f"arena serve on {args.agents} agents, {args.games} games ({ENV}), {args.repeat} requests each "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):")
    for what, seconds in results.items():
        print(f"  {what:<40} {1000 * seconds:8.1f} ms")
    print(json.dumps({k: round(1000 * v, 1) for k, v in results.items()}))


if __name__ == "__main__":
    main()
