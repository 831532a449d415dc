import math

import numpy as np
import pytest

from arena.ratings import (
    SPRT,
    OnlineElo,
    PairCounts,
    elo_from_score,
    expected_score,
    fit_bt,
    mle,
    nash_average,
    openskill_ratings,
    pairing_stats,
    pentanomial,
    rank_by_intervals,
)


def round_robin(true, games_per_pair, seed=0, draw=0.3):
    """Logistic outcomes; equal players draw with probability `draw`."""
    rng = np.random.default_rng(seed)
    k = len(true)
    a, b = (np.repeat(x, games_per_pair) for x in np.triu_indices(k, 1))
    p = np.array([expected_score(true[x], true[y]) for x, y in zip(a, b)])
    d = draw * 2 * np.minimum(p, 1 - p)  # keeps the expected score equal to p
    u = rng.random(len(a))
    score = np.where(u < p - d / 2, 1.0, np.where(u < p + d / 2, 0.5, 0.0))
    return PairCounts.from_arrays([f"a{i}" for i in range(k)], a, b, score)


def test_from_games_aggregates_per_pair_and_skips_self_play():
    c = PairCounts.from_games([("x", "y", 1), ("y", "x", 1), ("x", "y", 0.5), ("x", "x", 1), ("y", "z", 0)])
    assert c.names == ("x", "y", "z")
    table = {(c.names[i], c.names[j]): tuple(w) for i, j, w in zip(c.i, c.j, c.wdl)}
    assert table == {("x", "y"): (1, 1, 1), ("y", "z"): (0, 0, 1)}


def test_bt_recovers_known_ratings():
    true = np.linspace(-300, 300, 8)
    fit = fit_bt(round_robin(true, 200), n_boot=0)
    assert fit.anchor == "mean = 0"
    assert np.sqrt(np.mean((fit.rating - true) ** 2)) < 15


def test_bt_matches_closed_form_for_two_players():
    # 30 wins, 10 draws, 10 losses: score 0.7, so the gap is elo(0.7) = 147.2
    c = PairCounts.from_games([("a", "b", 1)] * 30 + [("a", "b", 0.5)] * 10 + [("a", "b", 0)] * 10)
    r = mle(c, virtual_draws=0)
    assert r[0] - r[1] == pytest.approx(elo_from_score(0.7), abs=0.5)
    # half a virtual draw between the two (one per agent, shared among its opponents)
    assert mle(c)[0] - mle(c)[1] == pytest.approx(elo_from_score(35.25 / 50.5), abs=0.5)


def test_anchor_default_explicit_and_unknown():
    c = PairCounts.from_games([("random", "bot", 0)] * 9 + [("random", "bot", 1)])
    fit = fit_bt(c, n_boot=20)
    assert fit.anchor == "random = 0" and fit.rating[0] == 0 and fit.ci_low[0] == fit.ci_high[0] == 0
    # random took 1 point of 10, too few for the normal approximation: the zero point is where its
    # own games put it (bot's 9 of 10, no virtual draw), and it says so
    assert fit.rating[1] == pytest.approx(elo_from_score(9 / 10), abs=0.01)
    assert "placed by its own games" in fit.warnings[-1]
    # bot conceded 1 point of 10: as thin an anchor, and the same gap
    fit = fit_bt(c, anchor={"bot": 1000}, n_boot=20)
    assert fit.rating[1] == 1000 and fit.rating[0] == pytest.approx(1000 - elo_from_score(9 / 10), abs=0.01)
    with pytest.raises(ValueError):
        fit_bt(c, anchor={"nobody": 0})


def test_undefeated_and_disconnected_agents_stay_finite():
    c = PairCounts.from_games([("a", "b", 1)] * 10 + [("c", "d", 0.5)] * 4)
    fit = fit_bt(c, n_boot=50)
    assert np.all(np.isfinite(fit.rating)) and np.all(np.abs(fit.rating) < 2000)
    assert fit.rating[0] > fit.rating[1] + 300
    assert fit.los[0, 1] > 0.9 and np.isnan(fit.los[0, 2])  # no games between the groups
    assert list(fit.component) == [0, 0, 1, 1] and "2 groups never met" in fit.warnings[0]


def test_a_perfect_score_gets_an_open_interval_never_a_zero_width_one():
    c = PairCounts.from_games([("random", "bot", 0)] * 10)
    fit = fit_bt(c, n_boot=100)
    assert fit.ci_low[1] > 0 and fit.ci_high[1] == np.inf and fit.prior[1]
    assert any("anchor random scored 0 %" in w for w in fit.warnings)
    # the parametric bootstrap re-draws 10-0 as 9-1 sometimes: a lower end well below the estimate
    assert fit.ci_low[1] < fit.rating[1] - 100


def test_a_drawn_pair_still_has_a_width():
    fit = fit_bt(PairCounts.from_games([("a", "b", 0.5)] * 6), n_boot=100)
    assert np.all(fit.ci_high - fit.ci_low > 50)


def test_ranks_come_from_differences_and_ignore_the_anchor():
    c = round_robin(np.array([0.0, 0, 300, 310, 600]), 30, seed=3)
    ranks = {tuple(fit_bt(c, anchor={n: 0}, n_boot=100).rank) for n in c.names}
    assert len(ranks) == 1
    rank = ranks.pop()
    assert rank[4] == 1 and rank[0] == rank[1] == 4  # a2 and a3 are not clearly apart: both 2


def test_agents_connected_only_through_perfect_scores_have_one_sided_differences():
    # x beat y 8-0; y and z split evenly: x vs {y, z} is bounded below only
    c = PairCounts.from_games([("x", "y", 1)] * 8 + [("y", "z", 1), ("y", "z", 0)] * 5)
    fit = fit_bt(c, n_boot=100)
    assert fit.diff_high[0, 1] == np.inf and np.isfinite(fit.diff_low[0, 1]) and fit.diff_low[0, 1] > 0
    assert fit.diff_low[1, 0] == -np.inf and np.isfinite(fit.diff_low[1, 2]) and np.isfinite(fit.diff_high[1, 2])


def test_bootstrap_interval_contains_truth_and_is_reproducible():
    true = np.linspace(-200, 200, 8)
    c = round_robin(true, 40, seed=5)
    fit = fit_bt(c, n_boot=100, seed=1)
    inside = (fit.ci_low <= true) & (true <= fit.ci_high)
    assert inside.sum() >= 7
    assert np.all(fit.ci_high - fit.ci_low > 20)
    assert np.array_equal(fit_bt(c, n_boot=100, seed=1).ci_low, fit.ci_low)


def test_rank_respects_interval_overlap_and_los_is_consistent():
    assert list(rank_by_intervals(np.array([10, 5, -20]), np.array([20, 15, -10]))) == [1, 1, 3]
    fit = fit_bt(round_robin(np.linspace(-200, 200, 5), 30), n_boot=30)
    assert np.allclose(fit.los + fit.los.T, 1)
    assert fit.los[4, 0] > 0.99


def test_online_elo():
    elo = OnlineElo(k=32)
    elo.update("a", "b", 1)
    assert elo["a"] == 16 and elo["b"] == -16
    elo.update("a", "b", 1)
    assert 0 < elo["a"] - 16 < 16  # the favourite gains less for an expected win
    elo.k = 0  # K is a live knob
    elo.update("a", "b", 0)
    assert elo["a"] + elo["b"] == 0 and elo["c"] == 0


def test_elo_from_score_inverts_expected_score():
    assert elo_from_score(expected_score(123, 0)) == pytest.approx(123)
    assert elo_from_score(1) == math.inf and elo_from_score(0) == -math.inf


def test_pairing_stats_trinomial_matches_hand_computation():
    st = pairing_stats([20, 20, 60])  # L, D, W
    assert st.score == 0.7 and st.elo == pytest.approx(147.19, abs=0.01)
    sigma = math.sqrt((60 * 0.3**2 + 20 * 0.2**2 + 20 * 0.7**2) / 100)
    half = 1.96 * sigma / 10
    assert st.error == pytest.approx((elo_from_score(0.7 + half) - elo_from_score(0.7 - half)) / 2)
    assert st.los == pytest.approx(0.5 * (1 + math.erf(40 / math.sqrt(160))))


def test_pairing_stats_pentanomial():
    counts = pentanomial([(1, 0.5), (0.5, 0.5), (0, 1), (1, 1)])
    assert counts == [0, 0, 2, 1, 1]
    st = pairing_stats(counts)
    assert st.n == 4 and st.score == pytest.approx(0.6875) and 0.5 < st.los < 1
    assert pairing_stats([0, 0, 5]).error == math.inf


def test_openskill_orders_players():
    games = [(["a", "b", "c"], [1, 0.5, 0])] * 5 + [([["a", "b"], ["c"]], [1, 0])] + [(["a", "a"], [1, 0])]
    r = openskill_ratings(games)
    assert r["a"].ordinal > r["b"].ordinal > r["c"].ordinal
    assert r["a"].ordinal == pytest.approx(r["a"].mu - 3 * r["a"].sigma)
    with pytest.raises(ValueError):
        openskill_ratings([], model="Glicko")


def test_nash_average():
    rps = 0.5 * np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]])
    assert np.allclose(nash_average(rps).weights, 1 / 3, atol=1e-4)
    # rock, a clone of rock, paper, scissors, and an agent everyone beats
    a = np.zeros((5, 5))
    for i, j in [(2, 0), (2, 1), (0, 3), (1, 3), (3, 2)] + [(k, 4) for k in range(4)]:
        a[i, j], a[j, i] = 0.5, -0.5
    nash = nash_average(a)
    assert np.allclose(nash.weights, [1 / 6, 1 / 6, 1 / 3, 1 / 3, 0], atol=1e-4)
    assert nash.rating[4] == pytest.approx(-0.5) and abs(nash.rating[0]) < 1e-6


def test_sprt_object_rejects_mixed_use():
    s = SPRT(pentanomial=True)
    with pytest.raises(ValueError):
        s.add_game(1)


def test_prior_none_is_plain_maximum_likelihood_and_refuses_perfect_scores():
    c = PairCounts.from_games([("a", "b", 1)] * 30 + [("a", "b", 0.5)] * 10 + [("a", "b", 0)] * 10)
    fit = fit_bt(c, prior="none")
    assert fit.rating[0] - fit.rating[1] == pytest.approx(elo_from_score(0.7), abs=0.01)
    with pytest.raises(ValueError, match="perfect scores"):
        fit_bt(PairCounts.from_games([("a", "b", 1)] * 5), prior="none")


def test_self_play_only_is_a_value_error_not_a_numpy_crash():
    with pytest.raises(ValueError, match="no games between different agents"):
        fit_bt(PairCounts.from_games([("x", "x", 1)] * 3))


def test_auto_prior_is_plain_maximum_likelihood_when_every_agent_won_and_lost_five_points():
    c = round_robin(np.linspace(-300, 300, 8), 100)
    auto, none = fit_bt(c), fit_bt(c, prior="none")
    assert auto.prior_used == "none" and auto.virtual_draws == 0 and auto.prior_sd is None
    assert np.allclose(auto.rating, none.rating) and np.allclose(auto.ci_high, none.ci_high)
    # the field prior would have moved the ends of the field by a few Elo (Ordo disagrees by that much)
    assert np.max(np.abs(fit_bt(c, prior="field").rating - none.rating)) > 1


def test_auto_prior_keeps_the_field_prior_when_an_agent_is_thin_or_perfect():
    base = [(x, y, s) for x, y in [("a", "b"), ("b", "c"), ("a", "c")] for s in [1] * 10 + [0.5] * 10 + [0] * 10]
    thin = PairCounts.from_games(base + [("weak", "a", 0)] * 19 + [("weak", "a", 0.5)] * 8)  # 4 points of 27
    fit = fit_bt(thin)
    assert fit.prior_used == "field" and fit.prior_mode == "auto"
    assert np.allclose(fit.rating, fit_bt(thin, prior="field").rating)
    enough = PairCounts.from_games(base + [("weak", "a", 0)] * 19 + [("weak", "a", 0.5)] * 10)  # 5 points
    assert fit_bt(enough).prior_used == "none"
    perfect = PairCounts.from_games(base + [("weak", "a", 0)] * 30)
    assert fit_bt(perfect).prior_used == "field" and fit_bt(perfect).ci_low[3] == -np.inf


def test_a_thin_anchor_sits_where_its_own_games_put_it_with_a_lopsided_interval():
    # random took 1.5 points in 90 games against three agents about 1000 Elo stronger
    games = [(x, y, s) for x, y in [("a", "b"), ("b", "c"), ("a", "c")] for s in [1] * 12 + [0.5] * 6 + [0] * 12]
    games += [("random", x, 0) for x in "abc" for _ in range(29)] + [("random", x, 0.5) for x in "abc"]
    c = PairCounts.from_games(games, names=["random", "a", "b", "c"])
    fit = fit_bt(c)
    assert any("random scored 1.5 of 90 points: it is placed by its own games" in w for w in fit.warnings)
    others = np.array([1, 2, 3])
    # its expected score against the ratings shown (relative to it) is the score it made
    expected = sum(30 * expected_score(0, fit.rating[k]) for k in others)
    assert expected == pytest.approx(1.5, abs=1e-6)
    # the draws bound it from above; below, only the many losses: the others' intervals reach far up
    above, below = fit.ci_high[others] - fit.rating[others], fit.rating[others] - fit.ci_low[others]
    assert np.all(above > 1.3 * below) and np.all(below > 0)
    # and the difference matrix agrees with the rows
    assert np.allclose(fit.diff_low[others, 0], fit.ci_low[others])
    assert np.allclose(fit.diff_high[0, others], -fit.ci_low[others])


def test_position_is_the_score_equation_and_its_likelihood_ratio_interval():
    from arena.ratings.profile import position

    c = PairCounts.from_games([("x", "y", 1)] * 3 + [("x", "y", 0)] * 27)
    where = position(c, np.array([0.0, 0.0]), 0)
    assert where.rating == pytest.approx(elo_from_score(0.1), abs=1e-6)
    assert where.low < where.rating < where.high
    # 3 of 30 near the floor: the interval reaches further down than up
    assert where.rating - where.low > where.high - where.rating
    with pytest.raises(ValueError, match="one point won and one conceded"):
        position(PairCounts.from_games([("x", "y", 0)] * 5), np.zeros(2), 0)
