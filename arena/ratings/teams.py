"""OpenSkill ratings (Bayesian μ, σ) for team and free-for-all games.

Displayed rating is the conservative ordinal μ − 3σ (OpenSkill/TrueSkill convention);
defaults μ = 25, σ = 25/3, β = 25/6, model Plackett–Luce.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openskill import models

MODELS = ("PlackettLuce", "BradleyTerryFull", "BradleyTerryPart", "ThurstoneMostellerFull", "ThurstoneMostellerPart")


@dataclass(frozen=True)
class SkillRating:
    mu: float
    sigma: float

    @property
    def ordinal(self) -> float:
        return self.mu - 3 * self.sigma


def openskill_ratings(
    games: Iterable[tuple[Sequence[str | Sequence[str]], Sequence[float]]], model: str = "PlackettLuce"
) -> dict[str, SkillRating]:
    """Rate games given as (teams, scores): each team is an agent name or a list of names,
    higher score is better. Games in which one agent sits in two teams (self-play) are skipped."""
    if model not in MODELS:
        raise ValueError(f"unknown OpenSkill model {model!r}; choose from {', '.join(MODELS)}")
    rater = getattr(models, model)()
    state: dict[str, Any] = {}
    for teams, scores in games:
        teams = [[t] if isinstance(t, str) else list(t) for t in teams]
        names = [n for team in teams for n in team]
        if len(teams) < 2 or len(set(names)) < len(names):
            continue
        current = [[state.setdefault(n, rater.rating(name=n)) for n in team] for team in teams]
        for team, rated in zip(teams, rater.rate(current, scores=list(scores))):
            state.update(zip(team, rated))
    return {n: SkillRating(r.mu, r.sigma) for n, r in state.items()}
