"""Generalized SPRT as in fishtest's `server/fishtest/stats/LLRcalc.py` (LLR_logistic).

Counts are indexed by ascending score (fishtest's order): trinomial (L, D, W) over games,
pentanomial (LL, LD+DL, LW+DD+WL, DW+WD, WW) over seat-swapped game pairs. H0: elo = elo0,
H1: elo = elo1, in logistic Elo; for each hypothesis score s the outcome distribution is the
constrained MLE p_k(s) = p̂_k / (1 + θ (a_k − s)), θ solving Σ p̂_k (a_k − s)/(1 + θ (a_k − s)) = 0,
and LLR = N Σ p̂_k ln(p_k(s1)/p_k(s0)).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy.optimize import brentq

from .elo import expected_score


def bounds(alpha: float = 0.05, beta: float = 0.05) -> tuple[float, float]:
    """(lower, upper) = (ln(β/(1−α)), ln((1−β)/α)): accept H0 below, H1 above."""
    return math.log(beta / (1 - alpha)), math.log((1 - beta) / alpha)


def _mle_given_score(values: np.ndarray, p_hat: np.ndarray, s: float) -> np.ndarray:
    """Closest distribution (in KL) to p̂ with mean s: solve the secular equation for θ."""
    a = values - s
    lo, hi = -1 / a.max(), -1 / a.min()  # 1 + θ a_k > 0 for every k
    eps = 1e-9
    theta = brentq(lambda t: np.sum(p_hat * a / (1 + t * a)), lo + eps, hi - eps, xtol=1e-14)
    return p_hat / (1 + theta * a)


def llr(counts: Sequence[float], elo0: float, elo1: float) -> float:
    """Generalized log-likelihood ratio of H1 over H0 for trinomial or pentanomial counts."""
    if len(counts) not in (3, 5):
        raise ValueError("need 3 (L, D, W) or 5 (pentanomial) counts")
    if sum(counts) == 0:
        return 0.0
    # fishtest's regularisation: an empty bin gets 1e-3 so both hypotheses stay reachable
    c = np.array([x if x else 1e-3 for x in counts], dtype=float)
    n = c.sum()
    p_hat = c / n
    values = np.linspace(0, 1, len(c))
    s0, s1 = expected_score(elo0, 0), expected_score(elo1, 0)
    p0, p1 = (_mle_given_score(values, p_hat, s) for s in (s0, s1))
    return float(n * np.sum(p_hat * np.log(p1 / p0)))


class SPRT:
    """Feed results with `add_game`/`add_pair`; `status()` is 'H1', 'H0' or None (continue).

    With pentanomial=True the test runs on pair counts and needs `add_pair`; otherwise
    `add_pair` simply records two games.
    """

    def __init__(self, elo0: float = 0.0, elo1: float = 5.0, alpha: float = 0.05,
                 beta: float = 0.05, pentanomial: bool = False):
        self.elo0, self.elo1 = elo0, elo1
        self.lower, self.upper = bounds(alpha, beta)
        self.pentanomial = pentanomial
        self.counts = [0] * (5 if pentanomial else 3)

    def add_game(self, score: float) -> None:
        """Score of the tested agent in one game: 0, ½ or 1."""
        if self.pentanomial:
            raise ValueError("a pentanomial SPRT needs game pairs: use add_pair")
        self.counts[round(2 * score)] += 1

    def add_pair(self, score1: float, score2: float) -> None:
        """Scores of the tested agent in the two seat-swapped games of one pair."""
        if self.pentanomial:
            self.counts[round(2 * (score1 + score2))] += 1
        else:
            self.add_game(score1)
            self.add_game(score2)

    @property
    def llr(self) -> float:
        return llr(self.counts, self.elo0, self.elo1)

    def status(self) -> str | None:
        value = self.llr
        return "H1" if value >= self.upper else "H0" if value <= self.lower else None
