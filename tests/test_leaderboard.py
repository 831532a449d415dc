import csv
import io
import json
import re
from types import SimpleNamespace

import pytest
from rich.console import Console

from arena.errors import ArenaError
from arena.leaderboard import ROW_KEYS, GameSummary, Leaderboard


def games():
    """strong beats everyone; mid and random split evenly; a [bracket] name crashes twice."""
    out = []
    for seat in range(2):
        for opp in ("mid", "random", "[bot] <&>"):
            for _ in range(5):
                out.append(GameSummary(["strong", opp][::1 - 2 * seat], [1.0, 0.0][::1 - 2 * seat]))
        out += [GameSummary(["mid", "random"], [0.5, 0.5])] * 3
        out += [GameSummary(["mid", "random"], [1.0, 0.0]), GameSummary(["random", "mid"], [1.0, 0.0])]
        out += [GameSummary(["mid", "[bot] <&>"], [1.0, 0.0])] * 2
        out += [GameSummary(["random", "[bot] <&>"], [0.5, 0.5])] * 2
    out.append(GameSummary(["[bot] <&>", "mid"], [0.0, 1.0], "crash", 0))
    out.append(SimpleNamespace(players=["[bot] <&>", "random"], scores=[0.0, 1.0], termination="timeout",
                               forfeit_player=0))
    out.append({"players": ["mid", "[bot] <&>"], "scores": [1.0, 0.0]})  # dicts work too
    return out


@pytest.fixture(scope="module")
def board():
    return Leaderboard(games(), n_boot=50, nash=True, checkpoints={"mid": ("run", 100)})


def test_rows_have_keys_counts_and_order(board):
    rows = {r["agent"]: r for r in board.rows}
    assert board.rows[0]["agent"] == "strong" and board.rows[0]["rank"] == 1
    assert all(tuple(r)[:len(ROW_KEYS)] == ROW_KEYS for r in board.rows)
    assert rows["random"]["rating"] == 0 and board.anchor == "random = 0"
    s = rows["strong"]
    assert (s["games"], s["wins"], s["draws"], s["losses"], s["score"]) == (30, 30, 0, 0, 1.0)
    m = rows["mid"]
    assert (m["games"], m["wins"], m["draws"], m["losses"]) == (26, 8, 6, 12)
    assert m["score"] == pytest.approx((8 + 3) / 26, abs=1e-4)
    assert all(r["ci_low"] <= r["rating"] <= (r["ci_high"] if r["ci_high"] is not None else float("inf"))
               for r in board.rows)
    # strong won all 30 games: no upper end, and its rating is flagged as set by the prior
    assert s["ci_high"] is None and s["prior"] and not m["prior"]
    assert rows["strong"]["rating"] > rows["mid"]["rating"] > rows["[bot] <&>"]["rating"]


def test_crosstable_terminations_los_nash(board):
    c = board.crosstable["mid"]["random"]
    assert (c["wins"], c["draws"], c["losses"], c["score"]) == (2, 6, 2, 0.5)
    assert board.crosstable["random"]["mid"]["score"] == 0.5
    bot = board.terminations["[bot] <&>"]
    assert bot["crash"] == 1 and bot["timeout"] == 1
    assert board.terminations["mid"]["opponent forfeit"] == 1 and board.terminations["mid"]["crash"] == 0
    assert board.termination_kinds()[0] == "normal"
    i, j = board.names.index("strong"), board.names.index("random")
    assert board.los[i, j] > 0.95
    assert board.nash["strong"]["weight"] == pytest.approx(1, abs=1e-3)


def test_json_csv_markdown(board):
    rows = json.loads(board.to_json())
    assert isinstance(rows, list) and {r["agent"] for r in rows} == {"strong", "mid", "random", "[bot] <&>"}
    assert all(set(ROW_KEYS) <= set(r) for r in rows)
    full = json.loads(board.to_json_full())
    assert full["draw_model"] == "draw = half a win" and full["anchor"] == "random = 0"
    assert full["crosstable"]["strong"]["mid"]["wins"] == 10 and full["checkpoints"]["mid"] == ["run", 100]
    table = list(csv.DictReader(io.StringIO(board.to_csv())))
    assert [r["agent"] for r in table] == list(board.names) and float(table[0]["score"]) == 1.0
    md = board.to_markdown()
    for text in ("## Ratings", "## Crosstable", "## Terminations", "draw = half a win", "| strong |", "10-0-0"):
        assert text in md


def test_rich_table_shows_names_verbatim(board):
    console = Console(record=True, width=200)
    board.render_table(console)
    out = console.export_text()
    assert "[bot] <&>" in out and "strong" in out and "crash" in out and "random = 0" in out


def test_html_escapes_names(board):
    page = board.to_html()
    assert "[bot] &lt;&amp;&gt;" in page and "<&>" not in page
    assert "http" not in page.replace("http://www.w3.org/2000/svg", "")  # nothing fetched


def test_other_methods_and_anchor():
    online = Leaderboard(games(), method="elo")
    assert online.rows[0]["agent"] == "strong" and online.rows[0]["ci_low"] is None
    skill = Leaderboard(games(), method="openskill")
    top = skill.rows[0]
    assert top["agent"] == "strong" and top["rating"] == pytest.approx(top["mu"] - 3 * top["sigma"], abs=0.1)
    anchored = Leaderboard(games(), anchor={"mid": 1500}, n_boot=10)
    assert {r["agent"]: r["rating"] for r in anchored.rows}["mid"] == 1500
    assert "html" in Leaderboard(games(), method="elo").to_html()


def test_free_for_all_and_bad_input():
    ffa = [GameSummary(["a", "b", "c"], [1.0, 0.5, 0.0])] * 4 + [GameSummary(["c", "b", "a"], [1.0, 0.0, 0.0])]
    board = Leaderboard(ffa, n_boot=20)
    rows = {r["agent"]: r for r in board.rows}
    assert board.names[0] == "a" and rows["a"]["wins"] == 4 and rows["b"]["draws"] == 0
    assert rows["a"]["losses"] == 1 and board.crosstable["a"]["b"]["draws"] == 1
    with pytest.raises(ArenaError):
        Leaderboard(ffa, method="glicko")
    with pytest.raises(ArenaError):
        Leaderboard(ffa, anchor={"zed": 0})
    with pytest.raises(ArenaError):
        Leaderboard([])


def test_a_board_of_self_play_only_is_a_one_line_error():
    with pytest.raises(ArenaError, match="no games between different agents") as err:
        Leaderboard([GameSummary(["x", "x"], [1.0, 0.0])] * 3)
    assert "\n" not in str(err.value)


def test_groups_that_never_met_are_shown_apart_with_a_warning():
    games = [GameSummary(["a", "b"], [1.0, 0.0]), GameSummary(["b", "a"], [1.0, 0.0])] * 3 + \
            [GameSummary(["c", "d"], [0.5, 0.5])] * 4
    board = Leaderboard(games, n_boot=30)
    assert [r["group"] for r in board.rows] == [1, 1, 2, 2]
    assert "2 groups never met" in board.to_markdown() and "group" in board.display_rows()[0]
    assert json.loads(board.to_json_full())["los"]["a"]["c"] is None


def _published(name):
    """Games of a published board, rebuilt from its Markdown crosstable (W-D-L of row vs column)."""
    from pathlib import Path

    text = (Path(__file__).parent.parent / "leaderboards" / f"{name}.md").read_text()
    table = text.split("## Crosstable")[1].split("##")[0].strip().splitlines()[3:]
    out = []
    for line in table:
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        names = [c.strip() for c in text.split("## Crosstable")[1].splitlines()[2].strip("|").split(" | ")][1:]
        for opp, cell in zip(names, cells[1:]):
            if cell and opp > cells[0]:  # each pair once
                w, d, l = map(int, cell.split("-"))
                out += [GameSummary([cells[0], opp], s) for s, k in (([1.0, 0.0], w), ([0.5, 0.5], d),
                                                                      ([0.0, 1.0], l)) for _ in range(k)]
    return out


@pytest.mark.parametrize("name", ["openspiel_tic_tac_toe", "openspiel_connect_four", "fivehero_5v5"])
def test_rank_column_is_the_same_under_every_anchor_on_the_published_boards(name):
    games = _published(name)
    agents = sorted({p for g in games for p in g.players})
    ranks = {tuple((r["agent"], r["rank"]) for r in sorted(Leaderboard(games, anchor={a: 0}, n_boot=100).rows,
                                                           key=lambda r: r["agent"])) for a in agents}
    assert len(agents) >= 3 and len(ranks) == 1


def test_results_by_seat_draw_ratio_los_and_unplayed_pairs():
    # a wins every game it starts and draws every game it answers; c never meets b
    games = [GameSummary(["a", "b"], [1.0, 0.0])] * 3 + [GameSummary(["b", "a"], [0.5, 0.5])] * 3 + \
            [GameSummary(["a", "c"], [1.0, 0.0]), GameSummary(["c", "a"], [1.0, 0.0])]
    board = Leaderboard(games, nash=True)
    assert board.seats["a"]["first"] == {"wins": 4, "draws": 0, "losses": 0, "score": 1.0}
    assert board.seats["a"]["second"] == {"wins": 0, "draws": 3, "losses": 1, "score": 0.375}
    assert board.first_seat["wins"] == 5 and board.first_seat["draws"] == 3 and board.first_seat["losses"] == 0
    assert board.draw_ratio == pytest.approx(3 / 8) and "draws 37.5 %" in board.describe()
    assert board.unplayed == (("b", "c"),) or board.unplayed == (("c", "b"),)
    md = board.to_markdown(los=True)
    assert "## By seat" in md and "## Likelihood of superiority" in md and "never played" in md
    full = json.loads(board.to_json_full())
    assert full["seats"]["a"]["first"]["wins"] == 4 and full["draw_ratio"] == 0.375


def test_html_draws_an_open_interval_to_the_chart_edge_with_the_bound_the_games_give():
    games = [GameSummary(["a", "random"], [1.0, 0.0]), GameSummary(["random", "a"], [0.0, 1.0])] * 3 + \
            [GameSummary(["b", "random"], [0.5, 0.5]), GameSummary(["a", "b"], [1.0, 0.0])] * 2
    board = Leaderboard(games, checkpoints={"a": ("run", 2), "b": ("run", 1)})
    a = next(r for r in board.rows if r["agent"] == "a")
    assert a["ci_high"] is None and a["ci_low"] is not None  # a never lost: no upper bound
    page = board.to_html()
    ratings = re.search(r'<svg class="chart ratings".*?</svg>', page, re.S).group(0)
    checkpoints = re.search(r'<svg class="chart checkpoints".*?</svg>', page, re.S).group(0)
    assert ratings.count('class="ci open"') == 1 and 'class="bound" x=' in ratings
    assert f">&gt; {a['ci_low']:.0f}</text>" in ratings and f"[{a['ci_low']}, +inf)" in ratings
    assert checkpoints.count('class="ci open"') == 1 and f">&gt; {a['ci_low']:.0f}</text>" in checkpoints
    elo = Leaderboard(games, method="elo").to_html()
    assert 'class="ci' not in elo  # online Elo has no interval at all


def test_an_80_column_pipe_never_truncates_names_into_lookalikes():
    long = "muzero:checkpoint=agents/arena_muzero/checkpoints/connect_four.pt,sims="
    games = [GameSummary([long + "16", long + "64"], [s, 1 - s]) for s in (1.0, 0.0, 0.5)] + \
            [GameSummary([long + "16", "random"], [1.0, 0.0]), GameSummary(["random", long + "64"], [0.5, 0.5])]
    console = Console(record=True, width=80, force_terminal=False)
    Leaderboard(games).render_table(console)
    out = console.export_text()
    assert "…" not in out
    flat = "".join(line.strip("│┃ ") for line in out.splitlines())  # names fold within their cell
    assert long.replace(" ", "")[:40] in flat.replace(" ", "")
    assert all(len(line) <= 80 for line in out.splitlines())


def test_the_legend_says_whether_the_board_used_plain_maximum_likelihood_or_the_prior(board):
    assert "some agent won or lost under 5 points" in board.legend  # strong won all 30 games
    even = [GameSummary([a, b], [s, 1 - s]) for a, b in [("x", "y"), ("y", "z"), ("x", "z")]
            for s in [1.0] * 6 + [0.0] * 6]
    legend = Leaderboard(even).legend
    assert "plain maximum likelihood, no prior" in legend and "curvature of the likelihood" in legend


def _mixed_games(seed: int) -> list[dict]:
    """Two-, three- and four-seat games with draws, shared best scores, self-play and forfeits."""
    import random

    rng = random.Random(seed)
    names = ["random", "a", "b", "c", "d", "e"]
    out = []
    for _ in range(400):
        seats = rng.choice([2, 2, 2, 3, 4])
        players = [rng.choice(names) for _ in range(seats)]
        scores = [rng.choice([0.0, 0.5, 1.0]) for _ in range(seats)]
        termination, culprit = "normal", None
        if rng.random() < 0.1:
            termination, culprit = rng.choice(["illegal", "timeout", "crash"]), rng.randrange(seats)
            scores = [0.0 if s == culprit else 1.0 for s in range(seats)]
        out.append({"players": players, "scores": scores, "termination": termination, "forfeit_player": culprit})
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_counts_of_identical_games_give_the_board_of_the_games_one_by_one(seed):
    from collections import Counter

    games = _mixed_games(seed)
    counts = Counter((tuple(g["players"]), tuple(g["scores"]), g["termination"], g["forfeit_player"]) for g in games)
    counted = [{"players": list(p), "scores": list(s), "termination": t, "forfeit_player": f, "count": n}
               for (p, s, t, f), n in counts.items()]
    assert len(counted) < len(games)
    for options in ({}, {"nash": True}, {"intervals": "bootstrap", "n_boot": 20}, {"anchor": {"a": 100}}):
        one_by_one, grouped = Leaderboard(games, **options), Leaderboard(counted, **options)
        assert json.loads(grouped.to_json_full()) == json.loads(one_by_one.to_json_full())
        assert grouped.n_games == len(games)


def test_online_ratings_refuse_counts_because_they_need_the_order_of_play():
    counted = [{"players": ["a", "b"], "scores": [1.0, 0.0], "count": 3}]
    for method in ("elo", "openskill"):
        with pytest.raises(ArenaError, match="one by one in play order"):
            Leaderboard(counted, method=method)
    assert Leaderboard(counted).rows[0]["games"] == 3


def test_checkpoints_of_groups_that_never_met_are_charted_apart():
    games = [GameSummary(["a@1", "a@2"], [0.0, 1.0]), GameSummary(["a@2", "a@1"], [0.5, 0.5])] * 3 + \
            [GameSummary(["b@1", "b@2"], [1.0, 0.0]), GameSummary(["b@2", "b@1"], [0.5, 0.5])] * 3
    checkpoints = {"a@1": ("runs/a", 1), "a@2": ("runs/a", 2), "b@1": ("runs/b", 1), "b@2": ("runs/b", 2)}
    page = Leaderboard(games, checkpoints=checkpoints).to_html()
    charts = re.findall(r'<svg class="chart checkpoints".*?</svg>', page, re.S)
    assert len(charts) == 2 and "<h3>group 2</h3>" in page
    shown = [sorted(set(re.findall(r"<title>(\w@\d) \(step", c))) for c in charts]
    assert sorted(shown) == [["a@1", "a@2"], ["b@1", "b@2"]]  # never two groups on one axis
    legends = re.findall(r'<ul class="runs">(.*?)</ul>', page)
    assert [re.findall(r"</span>([^<]+)</li>", x) for x in legends] in ([["runs/a"], ["runs/b"]], [["runs/b"], ["runs/a"]])
    assert len(re.findall(r'<svg class="chart ratings"', page)) == 2
