"""`arena serve` in a real browser: Debian's chromium driven by Playwright (which cannot
download its own browser here). Skipped when chromium or playwright is missing; .ci/run
installs chromium. Screenshots go to $ARENA_SCREENSHOTS (default: the test's tmp folder)."""

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra)")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def served(web_store, tmp_path_factory):
    """The app over a copy of the tournament store, on a free localhost port, polling fast."""
    from waitress import create_server

    from arena.web import create_app

    path = tmp_path_factory.mktemp("served") / "arena.db"
    shutil.copy(web_store, path)
    server = create_server(create_app(path, poll_seconds=0.3), host="127.0.0.1", port=0, threads=4)

    def run():
        try:
            server.run()
        except (OSError, ValueError):  # close() below pulls the sockets from under the loop
            pass

    threading.Thread(target=run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}", path
    server.close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request, tmp_path):
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    yield page
    shots = Path(os.environ.get("ARENA_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{request.node.name}.png"), full_page=True)
    page.close()


def _labels_outside_their_chart(page) -> list[str]:
    """Text of every <text> in an svg.chart whose box pokes out of the chart's box."""
    return page.evaluate("""() => {
        const out = [];
        for (const svg of document.querySelectorAll("svg.chart")) {
            const box = svg.getBoundingClientRect();
            for (const t of svg.querySelectorAll("text")) {
                const r = t.getBoundingClientRect();
                if (r.left < box.left - 0.5 || r.right > box.right + 0.5 ||
                    r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) out.push(t.textContent);
            }
        }
        return out;
    }""")


def test_leaderboard_in_the_browser_shows_the_cli_numbers(served, page, arena_cli):
    url, path = served
    cli = json.loads(arena_cli("leaderboard", "openspiel/tic_tac_toe", "--db", str(path), "--json").stdout)
    page.goto(f"{url}/leaderboard?env=openspiel/tic_tac_toe")
    shown = page.eval_on_selector_all("#ratings tbody tr", """rows => rows.map(r => ({
        agent: r.dataset.agent, rating: Number(r.querySelector('.rating').textContent),
        games: Number(r.querySelector('.games').textContent), wins: Number(r.querySelector('.wins').textContent),
        score: Number(r.querySelector('.score').dataset.score)}))""")
    assert shown == [{k: c[k] for k in ("agent", "rating", "games", "wins", "score")} for c in cli]


def test_every_name_label_lies_inside_its_chart(served, page):
    url, _ = served
    page.goto(f"{url}/leaderboard?env=openspiel/tic_tac_toe")
    assert page.locator("svg.chart").count() == 3  # ratings, head to head, checkpoints
    names = page.eval_on_selector_all("svg.chart text.name", "ts => ts.map(t => t.textContent)")
    assert "mcts:sims=100,uct_c=1.4,rollouts=1" in names
    assert _labels_outside_their_chart(page) == []
    page.set_viewport_size({"width": 420, "height": 800})  # a phone: charts shrink, labels stay inside
    assert _labels_outside_their_chart(page) == []


def test_static_html_page_keeps_labels_inside_its_charts(served, page, arena_cli, tmp_path):
    _, path = served
    html = tmp_path / "board.html"
    assert arena_cli("leaderboard", "openspiel/tic_tac_toe", "--db", str(path), "--html", str(html)).returncode == 0
    page.goto(html.as_uri())
    assert page.locator("svg.chart").count() == 3  # ratings, head to head, checkpoints
    assert _labels_outside_their_chart(page) == []
    page.set_viewport_size({"width": 420, "height": 800})
    assert _labels_outside_their_chart(page) == []


def test_static_page_of_two_groups_charts_each_apart_with_labels_inside(page, tmp_path):
    from arena.leaderboard import GameSummary, Leaderboard

    long = "muzero:checkpoint=runs/connect_four/step_"
    a, b = [f"{long}{s}.pt,sims=16" for s in (1000, 2000)], ["mcts:sims=10,uct_c=1.4", "mcts:sims=100,uct_c=1.4"]
    games = [GameSummary([x, y], s) for x, y in (a, b) for s in ([1.0, 0.0], [0.0, 1.0], [0.5, 0.5])]
    games += [GameSummary([a[1], a[0]], [1.0, 0.0]), GameSummary([b[1], b[0]], [1.0, 0.0])]
    checkpoints = {a[0]: ("runs/connect_four", 1000), a[1]: ("runs/connect_four", 2000),
                   b[0]: ("sims", 10), b[1]: ("sims", 100)}
    html = tmp_path / "groups.html"
    html.write_text(Leaderboard(games, checkpoints=checkpoints).to_html(), encoding="utf-8")
    page.goto(html.as_uri())
    assert page.locator("svg.chart.ratings").count() == 2 and page.locator("svg.chart.checkpoints").count() == 2
    assert _labels_outside_their_chart(page) == []
    page.set_viewport_size({"width": 420, "height": 800})
    assert _labels_outside_their_chart(page) == []


def test_replay_final_position_equals_the_cli_render(served, page):
    url, path = served
    out = subprocess.run([sys.executable, "-m", "arena", "replay", "5", "--db", str(path), "--render"],
                         capture_output=True, text=True, check=True).stdout
    last = out.split("-- move ")[-1].splitlines()[1:4]  # the board after the last move
    page.goto(f"{url}/game/5")
    cells = page.eval_on_selector_all("#board svg rect", "rs => rs.map(r => r.dataset.cell)")
    assert ["".join(cells[i:i + 3]) for i in (0, 3, 6)] == last
    page.keyboard.press("Home")
    assert page.eval_on_selector_all("#board svg rect", "rs => rs.map(r => r.dataset.cell)") == ["."] * 9
    page.keyboard.press("ArrowRight")
    assert page.locator("#board").get_attribute("data-ply") == "1"
    assert sum(c != "." for c in page.eval_on_selector_all("#board svg rect", "rs => rs.map(r => r.dataset.cell)")) == 1
    page.keyboard.press("End")
    assert page.eval_on_selector_all("#board svg rect", "rs => rs.map(r => r.dataset.cell)") == cells


def test_connect_four_replay_draws_its_discs(served, page):
    url, _ = served
    page.goto(f"{url}/game/13")
    assert page.locator("#board svg.stones").count() == 1
    assert page.locator("#board svg rect").count() == 42
    page.locator("#first").click()
    assert page.locator("#ply").inner_text().startswith("start of")


def test_a_game_stored_while_the_page_is_open_appears(served, page):
    from arena.api import make_agent, make_env
    from arena.referee import play
    from arena.store import Store

    url, path = served
    page.goto(f"{url}/games?env=openspiel/connect_four")
    before = page.locator("tr[data-id]").count()
    env = make_env("openspiel/connect_four")
    with Store(path) as store:
        new_id = store.record_game("live", env.info.id, play(env, [make_agent("random", env)] * 2, 9))
    page.wait_for_selector(f'tr[data-id="{new_id}"]', timeout=10_000)
    assert page.locator("tr[data-id]").count() == before + 1
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload
