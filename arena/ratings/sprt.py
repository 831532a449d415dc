"""Generalized SPRT as in fishtest's `server/fishtest/stats/LLRcalc.py`.

Counts are indexed by ascending score (fishtest's order): trinomial (L, D, W) over games,
pentanomial (LL, LD+DL, LW+DD+WL, DW+WD, WW) over seat-swapped game pairs. H0: elo = elo0,
H1: elo = elo1, and LLR = N Σ p̂_k ln(p_k(H1)/p_k(H0)) with p(H) the distribution closest to
the observed p̂ (in KL) that satisfies H. Two Elo models (fishtest's LLR_logistic and
LLR_normalized; normalized is fishtest's default today):
- logistic: H fixes the expected score s = 1/(1 + 10^(−elo/400)); p_k(s) = p̂_k/(1 + θ (a_k − s)),
  θ solving Σ p̂_k (a_k − s)/(1 + θ (a_k − s)) = 0;
- normalized: H fixes the t-value (μ − ½)/σ = t, t = nelo/(800/ln 10) per game (× √2 per pair);
  the constrained MLE is found by a fixed-point iteration on the same secular equation with
  a_k − ½ − t σ (1 + ((μ − a_k)/σ)²)/2 in place of a_k − s (van den Bergh, "Normalized Elo
  practical", section 4.1). Normalized Elo does not depend on the draw ratio, so the same
  bounds mean the same difficulty at any draw rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.optimize import brentq, root

from .elo import expected_score


def bounds(alpha: float = 0.05, beta: float = 0.05) -> tuple[float, float]:
    """(lower, upper) = (ln(β/(1−α)), ln((1−β)/α)): accept H0 below, H1 above."""
    return math.log(beta / (1 - alpha)), math.log((1 - beta) / alpha)


def _mle_given_score(values: np.ndarray, p_hat: np.ndarray, s: float) -> np.ndarray:
    """Closest distribution (in KL) to p̂ with mean s: solve the secular equation for θ."""
    return _secular(values - s, p_hat)


NELO_PER_T = 800 / math.log(10)  # normalized Elo per unit of t-value (fishtest: nelo_divided_by_nt)
MODELS = ("normalized", "logistic")


def _secular(a: np.ndarray, p_hat: np.ndarray) -> np.ndarray:
    """p̂_k / (1 + θ a_k) with θ solving Σ p̂_k a_k/(1 + θ a_k) = 0 (needs a_k of both signs)."""
    lo, hi = -1 / a.max(), -1 / a.min()  # 1 + θ a_k > 0 for every k
    eps = 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):  # far bounds probe θ where 1 + θa_k → 0
        theta = brentq(lambda t: np.sum(p_hat * a / (1 + t * a)), lo + eps, hi - eps, xtol=1e-14)
    return p_hat / (1 + theta * a)


def _mle_given_t(values: np.ndarray, p_hat: np.ndarray, t: float) -> np.ndarray:
    """Closest distribution to p̂ with (μ − ½)/σ = t: fixed point from the uniform distribution;
    far from p̂ (large bounds) that iteration can leave the simplex, then a direct constrained
    minimisation of KL(p̂ ‖ p) over softmax weights finds it."""
    p = np.full(len(values), 1 / len(values))
    try:
        for _ in range(20):
            mu = p @ values
            sigma = math.sqrt(p @ (values - mu) ** 2)
            new = _secular(values - 0.5 - t * sigma * (1 + ((mu - values) / sigma) ** 2) / 2, p_hat)
            if not np.all(np.isfinite(new)) or new.min() <= 0:
                raise ValueError("left the simplex")
            if np.max(np.abs(new - p)) < 1e-10:
                return new
            p = new
        return p
    except (ValueError, ZeroDivisionError, OverflowError):
        return _mle_given_t_direct(values, p_hat, t)


def _mle_given_t_direct(values: np.ndarray, p_hat: np.ndarray, t: float) -> np.ndarray:
    """The same fixed point solved as a root of (μ, log σ) ↦ moments(p(μ, σ)) − (μ, σ), from the
    moments a distribution with t-value t and p̂'s shape would have."""

    def p_of(x):
        mu, sigma = x[0], math.exp(x[1])
        return _secular(values - 0.5 - t * sigma * (1 + ((mu - values) / sigma) ** 2) / 2, p_hat)

    def gap(x):
        try:
            p = p_of(x)
        except (ValueError, OverflowError):  # the solver strayed far (σ = e^x overflows)
            return np.array([1e3, 1e3])
        mu = p @ values
        return np.array([mu - x[0], math.log(math.sqrt(max(p @ (values - mu) ** 2, 1e-300))) - x[1]])

    best = None
    for sigma0 in (0.5, 0.3, 0.15, 0.05, 0.02):
        mu0 = min(max(0.5 + t * sigma0, 1e-3), 1 - 1e-3)
        sol = root(gap, [mu0, math.log(sigma0)], method="hybr")
        if sol.success and np.max(np.abs(gap(sol.x))) < 1e-8:
            p = p_of(sol.x)
            if best is None or p_hat @ np.log(p) > p_hat @ np.log(best):
                best = p
    if best is None:
        raise ValueError(f"no distribution near the results has t-value {t:.3g}; use smaller bounds or model=logistic")
    return best


def _pdf(counts: Sequence[float]) -> tuple[float, np.ndarray, np.ndarray]:
    if len(counts) not in (3, 5):
        raise ValueError("need 3 (L, D, W) or 5 (pentanomial) counts")
    # fishtest's regularisation: an empty bin gets 1e-3 so both hypotheses stay reachable
    c = np.array([x if x else 1e-3 for x in counts], dtype=float)
    return c.sum(), c / c.sum(), np.linspace(0, 1, len(c))


def llr(counts: Sequence[float], elo0: float, elo1: float, model: str = "logistic") -> float:
    """Generalized log-likelihood ratio of H1 over H0 for trinomial or pentanomial counts;
    elo0 and elo1 in logistic or normalized Elo (`model`)."""
    if model not in MODELS:
        raise ValueError(f"unknown Elo model {model!r}; choose one of {', '.join(MODELS)}")
    n, p_hat, values = _pdf(counts)
    if sum(counts) == 0:
        return 0.0
    if model == "logistic":
        p0, p1 = (_mle_given_score(values, p_hat, expected_score(e, 0)) for e in (elo0, elo1))
    else:
        scale = math.sqrt(2) if len(counts) == 5 else 1.0  # a pair's t-value is √2 a game's
        p0, p1 = (_mle_given_t(values, p_hat, scale * e / NELO_PER_T) for e in (elo0, elo1))
    return float(n * np.sum(p_hat * np.log(p1 / p0)))


def expected_games(
    elo0: float, elo1: float, alpha: float = 0.05, beta: float = 0.05, model: str = "logistic", draw_ratio: float = 0.0
) -> float:
    """Expected number of games to a verdict when the truth is elo0 or elo1, from the Brownian
    approximation of the LLR (fishtest's LLR_drift_variance_alt2): drift per game Δ²/(2v) and
    E[N] = ((1 − β) upper + β lower)/drift. Logistic: Δ = s1 − s0 and v = (1 − draw_ratio)/4 at
    equal strength (draw_ratio 0, the default, is the slowest case); normalized: Δ = t1 − t0, v = 1."""
    lower, upper = bounds(alpha, beta)
    if model == "logistic":
        delta, var = expected_score(elo1, 0) - expected_score(elo0, 0), (1 - draw_ratio) / 4
    else:
        delta, var = (elo1 - elo0) / NELO_PER_T, 1.0
    return ((1 - beta) * upper + beta * lower) / (delta**2 / (2 * var))


class SPRT:
    """Feed results with `add_game`/`add_pair`; `status()` is 'H1', 'H0' or None (continue).

    With pentanomial=True the test runs on pair counts and needs `add_pair`; otherwise
    `add_pair` simply records two games.
    """

    def __init__(
        self,
        elo0: float = 0.0,
        elo1: float = 5.0,
        alpha: float = 0.05,
        beta: float = 0.05,
        pentanomial: bool = False,
        model: str = "logistic",
    ):
        if model not in MODELS:
            raise ValueError(f"unknown Elo model {model!r}; choose one of {', '.join(MODELS)}")
        self.elo0, self.elo1, self.alpha, self.beta, self.model = elo0, elo1, alpha, beta, model
        self.lower, self.upper = bounds(alpha, beta)
        self.pentanomial = pentanomial
        self.counts = [0] * (5 if pentanomial else 3)
        self.games = [0, 0, 0]  # (L, D, W) of every game, whatever the test counts

    def add_game(self, score: float) -> None:
        """Score of the tested agent in one game: 0, ½ or 1."""
        if self.pentanomial:
            raise ValueError("a pentanomial SPRT needs game pairs: use add_pair")
        self.counts[round(2 * score)] += 1
        self.games[round(2 * score)] += 1

    def add_pair(self, score1: float, score2: float) -> None:
        """Scores of the tested agent in the two seat-swapped games of one pair."""
        if self.pentanomial:
            self.counts[round(2 * (score1 + score2))] += 1
            self.games[round(2 * score1)] += 1
            self.games[round(2 * score2)] += 1
        else:
            self.add_game(score1)
            self.add_game(score2)

    @property
    def llr(self) -> float:
        return llr(self.counts, self.elo0, self.elo1, self.model)

    def expected_games(self, draw_ratio: float = 0.0) -> float:
        return expected_games(self.elo0, self.elo1, self.alpha, self.beta, self.model, draw_ratio)

    def status(self) -> str | None:
        value = self.llr
        return "H1" if value >= self.upper else "H0" if value <= self.lower else None
