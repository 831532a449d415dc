"""Where a thin agent stands: the likelihood of its own games, the other ratings held fixed.

An anchor that took one draw in 120 games against a far stronger field is placed badly by the
normal approximation of the posterior: its likelihood is lopsided (bounded by the draw on one
side, open on the other), and a field prior pulls such an outlier toward the field. Intervals
relative to it then covered 81 % of the true ratings (bench_ratings.py, scoreless anchor).
Here the agent's rating is the maximum of its own games' likelihood with every other rating
fixed, and its interval the likelihood-ratio interval {x : 2 (ℓ(x̂) − ℓ(x)) ≤ χ²₁(level)}
(Wilks 1938), which follows the lopsided shape. An interval relative to it adds the other
agent's own uncertainty on each side in quadrature (Barlow 2003's rule for asymmetric errors).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, log_expit
from scipy.stats import chi2, norm

from .bradley_terry import ALPHA, PairCounts

REACH = 50.0  # natural units (e^50 odds): beyond any rating a finite record can support


@dataclass(frozen=True)
class Position:
    rating: float  # x̂, Elo, on the scale of the ratings given
    low: float  # likelihood-ratio interval of x
    high: float
    weights: np.ndarray  # per agent: its share of the information in x's games (sums to 1)


def position(counts: PairCounts, ratings: np.ndarray, a: int, level: float = 0.95) -> Position:
    """Agent a's rating by its own games given the others' `ratings` (Elo). Needs a record with
    at least one point won and one conceded (else x̂ is infinite: an open end, `groups.py`)."""
    mine = (counts.i == a) | (counts.j == a)
    first = counts.i[mine] == a
    opp = np.where(first, counts.j[mine], counts.i[mine])
    wdl = counts.wdl[mine].astype(float)
    n = wdl.sum(axis=1)
    won = np.where(first, wdl[:, 0], wdl[:, 2]) + wdl[:, 1] / 2
    if not 0 < won.sum() < n.sum():
        raise ValueError("position needs at least one point won and one conceded")
    r = ALPHA * ratings[opp]

    def loglik(x: float) -> float:
        return float(np.sum(won * log_expit(x - r) + (n - won) * log_expit(r - x)))

    lo, hi = r.min() - REACH, r.max() + REACH
    x_hat = brentq(lambda x: np.sum(n * expit(x - r)) - won.sum(), lo, hi, xtol=1e-10)
    drop = loglik(x_hat) - chi2.ppf(level, 1) / 2
    x_lo = brentq(lambda x: loglik(x) - drop, lo, x_hat, xtol=1e-10)
    x_hi = brentq(lambda x: loglik(x) - drop, x_hat, hi, xtol=1e-10)
    p = expit(x_hat - r)
    info = n * p * (1 - p)
    weights = np.bincount(opp, info / info.sum(), minlength=len(ratings))
    return Position(x_hat / ALPHA, x_lo / ALPHA, x_hi / ALPHA, weights)


def relative_to(
    where: Position, ratings: np.ndarray, var: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rating − x̂, low, high) of every agent relative to the placed one; var[b] is the variance
    of r_b − Σ weights·r, the agent's uncertainty against the opponents that place x."""
    spread = norm.isf((1 - level) / 2) * np.sqrt(np.maximum(var, 0.0))
    centre = ratings - where.rating
    low = centre - np.hypot(spread, where.high - where.rating)
    high = centre + np.hypot(spread, where.rating - where.low)
    return centre, low, high
