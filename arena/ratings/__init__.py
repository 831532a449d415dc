"""Rating systems: Bradley–Terry MLE with bootstrap intervals (the leaderboard number),
online Elo (a live number), cutechess-style pairing statistics, fishtest GSPRT,
OpenSkill for teams / free-for-all, and Nash averaging for non-transitive populations."""

from .bradley_terry import PairCounts, gauge, los_matrix, mle, rank_by_intervals
from .elo import OnlineElo, PairingStats, elo_from_score, expected_score, pairing_stats, pentanomial
from .groups import Groups, comparison_groups
from .intervals import BTFit, bootstrap, fit_bt
from .nash import NashAverage, nash_average
from .sprt import SPRT, bounds, expected_games, llr
from .teams import SkillRating, openskill_ratings

__all__ = [
    "BTFit",
    "PairCounts",
    "bootstrap",
    "fit_bt",
    "gauge",
    "los_matrix",
    "mle",
    "rank_by_intervals",
    "Groups",
    "comparison_groups",
    "OnlineElo",
    "PairingStats",
    "elo_from_score",
    "expected_score",
    "pairing_stats",
    "pentanomial",
    "NashAverage",
    "nash_average",
    "SPRT",
    "bounds",
    "expected_games",
    "llr",
    "SkillRating",
    "openskill_ratings",
]
