"""Render the HTML leaderboard in real headless Chromium: DOM content and a screenshot."""
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from arena.leaderboard import GameSummary, Leaderboard
from arena.leaderboard.charts import text_width
from arena.ratings import expected_score

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")

TRUE = {"random": 0, "minimax": 300, "mcts:sims=1000": 600, "<i>evil</i> & co": 150,
        "ppo@1000": 80, "ppo@2000": 220, "ppo@4000": 390, "ppo@8000": 520}
CHECKPOINTS = {f"ppo@{s}": ("runs/ppo", s) for s in (1000, 2000, 4000, 8000)}


def page(tmp_path):
    rng = np.random.default_rng(0)
    names, games = list(TRUE), []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            for g in range(10):
                x, y = (a, b) if g % 2 else (b, a)
                u, p = rng.random(), expected_score(TRUE[x], TRUE[y])
                s = 1.0 if u < p - 0.1 else 0.0 if u > p + 0.1 else 0.5
                games.append(GameSummary([x, y], [s, 1 - s]))
    games.append(GameSummary(["<i>evil</i> & co", "random"], [0.0, 1.0], "timeout", 0))
    board = Leaderboard(games, checkpoints=CHECKPOINTS, n_boot=50, title="Connect four")
    path = tmp_path / "leaderboard.html"
    path.write_text(board.to_html(), encoding="utf-8")
    return board, path


def chromium(tmp_path, *args):
    profile = tmp_path / "profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout


def test_dom_has_table_charts_heatmap_and_checkpoints(tmp_path):
    board, path = page(tmp_path)
    dom = chromium(tmp_path, "--dump-dom", path.as_uri())
    n = len(TRUE)
    assert "<title>Connect four</title>" in dom
    rows = re.findall(r"<tr>.*?</tr>", dom.split('class="ratings"')[1].split("</table>")[0])
    assert len(rows) == n + 1  # header + one per agent
    for r in board.rows:
        assert f">{r['rating']:.0f}<" in dom  # rounded for people, as in the terminal
    assert "&lt;i&gt;evil&lt;/i&gt; &amp;amp; co" not in dom and "&lt;i&gt;evil&lt;/i&gt; &amp; co" in dom
    ratings_svg = re.search(r'<svg class="chart ratings".*?</svg>', dom, re.S).group(0)
    assert ratings_svg.count('class="rating"') == n
    assert ratings_svg.count('class="ci"') == 3 * n  # a bar and two caps per agent
    heat = re.search(r'<svg class="chart crosstable".*?</svg>', dom, re.S).group(0)
    assert heat.count('class="cell"') == n * n
    checkpoints = re.search(r'<svg class="chart checkpoints".*?</svg>', dom, re.S).group(0)
    assert checkpoints.count("<polyline") == 1 and checkpoints.count('class="rating"') == 4
    assert re.search(r'<ul class="runs"><li>.*?runs/ppo</li></ul>', dom) and "timeout" in dom


def test_screenshot(tmp_path):
    _, path = page(tmp_path)
    out = os.environ.get("ARENA_SCREENSHOT") or str(tmp_path / "leaderboard.png")
    chromium(tmp_path, "--hide-scrollbars", "--window-size=1100,2200", f"--screenshot={out}", path.as_uri())
    with open(out, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a blank page is a few kB


def test_long_names_are_never_clipped_in_the_chart_labels():
    import re

    long = "muzero:checkpoint=agents/arena_muzero/checkpoints/connect_four.pt,sims=16"
    games = [GameSummary([long, "random"], [1.0, 0.0]), GameSummary(["random", long], [0.5, 0.5])] * 3
    page = Leaderboard(games).to_html()
    ratings = re.search(r'<svg class="chart ratings"[^>]*width="(\d+)"', page)
    label_x = [float(x) for x in re.findall(r'<text class="name" x="([\d.]+)" y="[\d.]+" text-anchor="end">'
                                             + re.escape(long), page)]
    assert label_x and min(label_x) >= text_width(long)  # right-aligned label starts inside the picture
    assert int(ratings.group(1)) > min(label_x)
