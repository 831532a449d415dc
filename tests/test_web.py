"""`arena serve` without a browser: pages, numbers, errors and live data through Flask's
test client over a store from a real tournament; the command through a real subprocess."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arena.api import make_agent, make_env
from arena.referee import play
from arena.store import Store
from arena.web import create_app
from arena.web.boards import board


@pytest.fixture(scope="module")
def client(web_store):
    return create_app(web_store).test_client()


def test_leaderboard_page_shows_the_numbers_of_the_cli_json(client, web_store, arena_cli):
    cli = json.loads(arena_cli("leaderboard", "openspiel/tic_tac_toe", "--db", str(web_store), "--json").stdout)
    page = client.get("/leaderboard", query_string={"env": "openspiel/tic_tac_toe"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    rows = re.findall(r'<tr data-agent="([^"]+)">.*?class="num rating"[^>]*>([^<]*)<.*?class="num interval">([^<]*)<'
                      r'.*?class="num games">(\d+)<', text, re.S)
    assert [(r[0], float(r[1]), int(r[3])) for r in rows] == [
        (c["agent"].replace("&", "&amp;"), c["rating"], c["games"]) for c in cli]
    assert any(c["ci_high"] is None for c in cli)  # minimax never lost: its interval is open above
    # a null end in the JSON is an end the games leave open (a perfect score): shown as ±inf
    assert [r[2] for r in rows] == [("(-inf" if c["ci_low"] is None else f"[{c['ci_low']}") + ", "
                                    + ("+inf)" if c["ci_high"] is None else f"{c['ci_high']}]") for c in cli]


def test_long_names_are_written_whole_in_tables_and_charts(client):
    text = client.get("/leaderboard?env=openspiel/tic_tac_toe").get_data(as_text=True)
    for name in ("mcts:sims=10,uct_c=1.4,rollouts=1", "mcts:sims=100,uct_c=1.4,rollouts=1"):
        assert text.count(f">{name}<") >= 4  # table, ratings chart, crosstable row and column


def test_checkpoint_runs_get_a_chart(client):
    text = client.get("/leaderboard?env=openspiel/tic_tac_toe").get_data(as_text=True)
    assert 'class="chart checkpoints"' in text and "<li>" in text and "sims</li>" in text


def test_open_ended_intervals_are_drawn_to_the_chart_edge_with_the_bound_given(client, web_store):
    from arena.leaderboard.stored import board_from_store

    with Store(web_store, readonly=True) as store:
        rows = board_from_store(store, "openspiel/tic_tac_toe").rows
    open_rows = [r for r in rows if r["ci_high"] is None]
    assert open_rows  # minimax and mcts:sims=100 never lost to a weaker agent in this store
    text = client.get("/leaderboard?env=openspiel/tic_tac_toe").get_data(as_text=True)
    ratings = re.search(r'<svg class="chart ratings".*?</svg>', text, re.S)[0]
    checkpoints = re.search(r'<svg class="chart checkpoints".*?</svg>', text, re.S)[0]
    assert ratings.count('class="ci open"') == sum((r["ci_low"] is None) + (r["ci_high"] is None) for r in rows)
    for r in open_rows:
        assert 'class="bound"' in ratings and f">&gt; {r['ci_low']:.0f}</text>" in ratings
    assert checkpoints.count('class="ci open"') == 1 and ">&gt; " in checkpoints  # mcts:sims=100's bar
    assert "warning: some agents meet the rest only through perfect scores" in text


def test_elo_rows_have_no_interval_and_draw_no_open_ends(client):
    text = client.get("/leaderboard?env=openspiel/tic_tac_toe&method=elo").get_data(as_text=True)
    assert re.findall(r'class="num interval">([^<]*)<', text) == [""] * 4
    assert 'class="ci' not in text and "+inf)" not in text and "(-inf" not in text


@pytest.fixture(scope="module")
def groups_client(tmp_path_factory):
    """Two pairs of agents that never met (two comparison groups), and an env of self-play only."""
    from arena.tournament import TournamentConfig, run_tournament

    path = tmp_path_factory.mktemp("groups") / "arena.db"
    c4 = make_env("openspiel/connect_four")
    with Store(path) as store:
        run_tournament(TournamentConfig("openspiel/tic_tac_toe", ["random", "minimax"], games=2), store, name="a")
        run_tournament(TournamentConfig("openspiel/tic_tac_toe", ["mcts:sims=5", "mcts:sims=40"], games=2), store,
                       name="b")
        store.record_game("self", c4.info.id, play(c4, [make_agent("random", c4)] * 2, 0))
        for spec, run, step in (("random", "r", 1), ("minimax", "r", 2), ("mcts:sims=5", "m", 5),
                                ("mcts:sims=40", "m", 40)):
            store.tag_agent(spec, run=run, step=step)
    return create_app(path).test_client()


def test_groups_that_never_met_get_a_chart_each_and_a_group_column(groups_client):
    text = groups_client.get("/leaderboard?env=openspiel/tic_tac_toe").get_data(as_text=True)
    assert text.count('<svg class="chart ratings"') == 2 and "<h3>group 1</h3>" in text and "<h3>group 2</h3>" in text
    assert re.findall(r'class="num group">(\d+)<', text) == ["1", "1", "2", "2"]
    charts = re.findall(r'<svg class="chart ratings".*?</svg>', text, re.S)
    shown = [set(re.findall(r'class="name"[^>]*>([^<]+)<', c)) for c in charts]
    assert sorted(map(sorted, shown)) == [["mcts:sims=40", "mcts:sims=5"], ["minimax", "random"]]
    assert "2 groups never met" in text


def test_checkpoints_of_groups_that_never_met_get_a_chart_each(groups_client):
    text = groups_client.get("/leaderboard?env=openspiel/tic_tac_toe").get_data(as_text=True)
    charts = re.findall(r'<svg class="chart checkpoints".*?</svg>', text, re.S)
    shown = [sorted(set(re.findall(r"<title>([^<]+?) \(step", c))) for c in charts]
    assert sorted(shown) == [["mcts:sims=40", "mcts:sims=5"], ["minimax", "random"]]
    assert "not rated on one scale" in text


def test_an_env_of_self_play_only_is_a_404_that_says_why(groups_client):
    page = groups_client.get("/leaderboard?env=openspiel/connect_four")
    assert page.status_code == 404 and "self-play" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)


def test_agent_page_splits_results_by_opponent_and_seat(client):
    text = client.get("/agent", query_string={"spec": "minimax"}).get_data(as_text=True)
    assert "By opponent" in text and "By seat" in text and "0 (moves first)" in text
    assert text.count("/game/") >= 6  # minimax played 6 tic-tac-toe games


def test_game_list_filters_and_pages(client):
    all_games = client.get("/games?per_page=5").get_data(as_text=True)
    assert "page 1 of 3" in all_games and 'rel="next"' in all_games  # 12 + 2 games
    c4 = client.get("/games?env=openspiel/connect_four").get_data(as_text=True)
    assert "2 found" in c4 and "tic_tac_toe</td>" not in c4
    assert "0 found" in client.get("/games?termination=timeout").get_data(as_text=True)
    assert "6 found" in client.get("/games", query_string={"agent": "minimax", "tournament": "ttt"}).get_data(as_text=True)


def test_replay_page_holds_every_frame_with_named_moves(client):
    text = client.get("/game/1").get_data(as_text=True)
    frames = json.loads(re.search(r'<script id="frames" type="application/json">(.*?)</script>', text, re.S)[1])
    assert frames[0]["ply"] == 0 and frames[1]["moves"][0].startswith("x(")
    assert all(f["board"]["kind"] == "marks" for f in frames)


@pytest.mark.parametrize("url, code", [
    ("/game/999999", 404), ("/game/99999999999999999999999999", 404), ("/game/abc", 404), ("/game/-3", 404),
    ("/leaderboard", 400), ("/leaderboard?env=nope/nothing", 404), ("/leaderboard?env=openspiel/tic_tac_toe&method=x", 400),
    ("/leaderboard?env=a&env=b", 400), ("/agent?spec=nobody", 404), ("/agent", 400), ("/games?page=0", 400),
    ("/games?page=x", 400), ("/games?page=99", 404), ("/games?per_page=100000", 400), ("/games?agent=%00", 400),
    ("/nothing/here", 404), ("/api/version?env=%ff%fe", 200),
])
def test_bad_ids_and_odd_queries_get_client_errors(client, url, code):
    response = client.get(url)
    assert response.status_code == code
    assert "Traceback" not in response.get_data(as_text=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/", "/games", "/leaderboard", "/agent", "/api/version", "/game/1"]),
       query=st.dictionaries(st.sampled_from(["env", "agent", "tournament", "termination", "page", "per_page",
                                              "method", "spec", "x"]),
                             st.text(max_size=40), max_size=4))
def test_no_query_string_makes_a_server_error(client, path, query):
    assert client.get(path, query_string=query).status_code in (200, 400, 404)


def test_a_game_stored_while_serving_shows_up(web_store, tmp_path):
    path = tmp_path / "live.db"
    path.write_bytes(web_store.read_bytes())
    client = create_app(path).test_client()
    before = client.get("/api/version").get_json()
    assert client.get("/games?env=openspiel/tic_tac_toe&per_page=500").get_data(as_text=True).count("data-id=") == 12
    env = make_env("openspiel/tic_tac_toe")
    with Store(path) as store:
        store.record_game("live", env.info.id, play(env, [make_agent("random", env), make_agent("minimax", env)], 5))
    after = client.get("/api/version").get_json()
    assert after["games"] == before["games"] + 1 and after["max_id"] > before["max_id"]
    assert "13 found" in client.get("/games?env=openspiel/tic_tac_toe").get_data(as_text=True)
    assert "13 games" in client.get("/leaderboard?env=openspiel/tic_tac_toe&method=elo").get_data(as_text=True)


def test_serving_never_writes_the_store(web_store, tmp_path):
    path = tmp_path / "ro.db"
    path.write_bytes(web_store.read_bytes())
    os.chmod(path, 0o444)
    client = create_app(path).test_client()
    for url in ("/", "/games", "/leaderboard?env=openspiel/tic_tac_toe", "/agent?spec=random", "/game/3"):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("env_id, kind", [
    ("openspiel/tic_tac_toe", "marks"), ("openspiel/connect_four", "stones"), ("openspiel/chess", "chess"),
    ("openspiel/breakthrough", "grid"), ("pettingzoo/classic/connect_four_v3", "stones"),
    ("pettingzoo/classic/chess_v6", "chess"), ("fivehero/1v1", "heroes"), ("openspiel/kuhn_poker", None),
])
def test_boards_are_read_from_each_familys_text(env_id, kind):
    env = make_env(env_id)
    env.reset(0)
    found = board(env_id, env.render())
    assert (found and found["kind"]) == kind


def test_serve_command_answers_on_localhost(web_store):
    proc = subprocess.Popen([sys.executable, "-m", "arena", "serve", "--db", str(web_store), "--port", "0"],
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)[0]
        deadline = time.time() + 20
        while True:
            try:
                with urllib.request.urlopen(url + "leaderboard?env=openspiel/connect_four", timeout=5) as r:
                    assert r.status == 200 and b"openspiel/connect_four" in r.read()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_without_a_store_is_one_line(arena_cli, tmp_path):
    result = arena_cli("serve", "--db", str(tmp_path / "none.db"))
    assert result.returncode == 2 and "no database at" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.strip().count("\n") == 0


def test_a_stale_board_is_served_at_once_and_replaced_by_its_refit(web_store, tmp_path):
    path = tmp_path / "refit.db"
    path.write_bytes(web_store.read_bytes())
    client = create_app(path).test_client()
    url = "/leaderboard?env=openspiel/connect_four"
    assert "2 games" in client.get(url).get_data(as_text=True)
    env = make_env("openspiel/connect_four")
    with Store(path) as store:
        store.record_game("live", env.info.id, play(env, [make_agent("random", env)] * 2, 1))
    first = client.get(url).get_data(as_text=True)
    assert "being refitted" in first and "2 games" in first  # the old board, said to be old
    deadline = time.time() + 30
    while "being refitted" in (page := client.get(url).get_data(as_text=True)):
        assert time.time() < deadline
        time.sleep(0.05)
    assert "3 games" in page
