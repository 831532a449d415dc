"""Online Elo (a live number) and cutechess-style statistics for a single pairing.

Outcome counts follow fishtest's convention, indexed by ascending score:
trinomial (losses, draws, wins); pentanomial over seat-swapped game pairs with pair scores
(0, ¼, ½, ¾, 1), i.e. (LL, LD+DL, LW+DD+WL, DW+WD, WW).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


def expected_score(r_a: float, r_b: float) -> float:
    """E = 1 / (1 + 10^((R_b − R_a)/400))."""
    return 1 / (1 + 10 ** ((r_b - r_a) / 400))


def elo_from_score(p: float) -> float:
    """Inverse of `expected_score`: elo(p) = −400 log10(1/p − 1), ±inf at 0 and 1."""
    if p <= 0:
        return -math.inf
    if p >= 1:
        return math.inf
    return -400 * math.log10(1 / p - 1)


@dataclass
class OnlineElo:
    """R_a += K (S_a − E_a), b moves the other way. Order dependent: a live number only."""

    k: float = 16.0
    initial: float = 0.0
    ratings: dict[str, float] = field(default_factory=dict)

    def update(self, a: str, b: str, score_a: float) -> None:
        ra, rb = self.ratings.get(a, self.initial), self.ratings.get(b, self.initial)
        delta = self.k * (score_a - expected_score(ra, rb))
        self.ratings[a], self.ratings[b] = ra + delta, rb - delta

    def __getitem__(self, name: str) -> float:
        return self.ratings.get(name, self.initial)


def pentanomial(pair_scores: Sequence[tuple[float, float]]) -> list[int]:
    """Count seat-swapped pairs (score of game 1, score of game 2) into the 5 pentanomial bins."""
    counts = [0] * 5
    for s1, s2 in pair_scores:
        counts[round(2 * (s1 + s2))] += 1
    return counts


@dataclass(frozen=True)
class PairingStats:
    n: int  # games (trinomial) or game pairs (pentanomial)
    score: float  # mean score per game
    elo: float
    error: float  # half-width of the 95 % interval, in Elo
    los: float  # likelihood of superiority


def _mean_var(counts: Sequence[float]) -> tuple[float, float, float]:
    n = sum(counts)
    values = [k / (len(counts) - 1) for k in range(len(counts))]
    mu = sum(c * v for c, v in zip(counts, values)) / n
    var = sum(c * (v - mu) ** 2 for c, v in zip(counts, values)) / n
    return n, mu, var


def _ratio(num: float, den: float) -> float:
    return 0.0 if num == 0 else num / den if den else math.copysign(math.inf, num)


def pairing_stats(counts: Sequence[int]) -> PairingStats:
    """cutechess/fastchess Elo ± error; LOS by cutechess' formula (trinomial) or the normal
    approximation on pair scores (pentanomial, where the W/L formula does not apply)."""
    if len(counts) not in (3, 5) or sum(counts) == 0:
        raise ValueError("need 3 (L, D, W) or 5 (pentanomial) counts with at least one result")
    n, mu, var = _mean_var(counts)
    half = 1.96 * math.sqrt(var / n)
    error = (elo_from_score(mu + half) - elo_from_score(mu - half)) / 2 if 0 < mu < 1 else math.inf
    if len(counts) == 3:
        losses, _, wins = counts
        z = _ratio(wins - losses, math.sqrt(2 * (wins + losses)))
    else:
        z = _ratio(mu - 0.5, math.sqrt(2 * var / n))
    los = 0.5 * (1 + math.erf(z))
    return PairingStats(int(n), mu, elo_from_score(mu), error, los)
