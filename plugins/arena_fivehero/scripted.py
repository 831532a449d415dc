"""A scripted fivehero team: focus fire on the weakest enemy in sight, retreat to the base
to regenerate when hurt, heal the most hurt ally, and otherwise push the enemy base.

It reads only what each hero observes (the observation vector and its legal actions), so
it plays either side: every observation is in the hero's own team frame.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from arena import Agent, EnvInfo, Observation
from arena_fivehero.env import HEALER, MAP, OTHER_FEATURES, SELF_FEATURES

RETREAT_BELOW, RETURN_ABOVE = 0.25, 0.9  # hp fractions: flee under one, fight again over the other
HEAL_BELOW = 0.75
CHASE_CELLS = 2  # chase the focus target when it is at most this far, else push the base
LEAD_CELLS, GROUP_CELLS = 1, 6  # push at most this far ahead of the allies around
UP, RIGHT, DOWN, LEFT = 1, 2, 3, 4


class Hero:
    """One hero's observation, decoded (distances in cells, in its own frame)."""

    def __init__(self, vector: np.ndarray, team_size: int):
        self.alive, self.hp = vector[0] > 0, float(vector[1])
        self.role = int(np.argmax(vector[2:5]))
        others = vector[SELF_FEATURES:SELF_FEATURES + (2 * team_size - 1) * OTHER_FEATURES]
        others = others.reshape(2 * team_size - 1, OTHER_FEATURES)
        self.allies, self.enemies = others[:team_size - 1], others[team_size - 1:]
        objectives = vector[-7:]
        self.to_own_base = objectives[2:4] * (MAP - 1)
        self.to_enemy_base = objectives[4:6] * (MAP - 1)

    def enemy_delta(self, slot: int) -> np.ndarray:
        return self.enemies[slot, 8:10] * (MAP - 1)


class ScriptedTeam(Agent):
    """Plays a whole team with `act_team`; `act` plays a lone hero the same way."""

    def __init__(self, env_info: EnvInfo):
        super().__init__(env_info)
        self.team_size = len(env_info.sides[0])
        self.retreating: dict[int, bool] = {}

    def reset(self, seats, seed):
        self.retreating = {seat: False for seat in seats}

    def act(self, obs: Observation) -> int:
        return self.act_team({obs.seat: obs})[obs.seat]

    def act_team(self, observations: Mapping[int, Observation]) -> dict[int, int]:
        heroes = {seat: Hero(obs.tensor, self.team_size) for seat, obs in observations.items()}
        focus = self._focus(heroes.values())
        return {seat: self._decide(seat, heroes[seat], set(obs.legal_actions), focus)
                for seat, obs in observations.items()}

    def _focus(self, heroes) -> int | None:
        """The enemy slot with the least health that any of our heroes sees."""
        best, focus = 2.0, None
        for hero in heroes:
            for slot, enemy in enumerate(hero.enemies):
                if enemy[0] > 0 and enemy[2] < best:
                    best, focus = enemy[2], slot
        return focus

    def _decide(self, seat: int, hero: Hero, legal: set[int], focus: int | None) -> int:
        if legal == {0}:
            self.retreating[seat] = False
            return 0
        T = self.team_size
        attack_base, ability = 5 + T, 6 + T
        if hero.hp < RETREAT_BELOW:
            self.retreating[seat] = True
        elif hero.hp >= RETURN_ABOVE:
            self.retreating[seat] = False
        if self.retreating.get(seat):
            return _step_towards(hero.to_own_base, legal) if np.abs(hero.to_own_base).max() > 1 else 0

        if ability in legal and self._wants_ability(hero):
            return ability
        targets = [a - 5 for a in legal if 5 <= a < 5 + T]
        if targets:
            slot = focus if focus in targets else min(targets, key=lambda j: hero.enemies[j, 2])
            return 5 + slot
        if attack_base in legal:
            return attack_base
        return _step_towards(self._destination(hero, focus), legal)

    def _wants_ability(self, hero: Hero) -> bool:
        if hero.role != HEALER:
            return True  # the mask allows it only with an enemy in reach
        hurt = [a[2] for a in hero.allies if a[1] > 0 and np.abs(a[8:10]).max() * (MAP - 1) <= 2]
        return min([hero.hp, *hurt]) < HEAL_BELOW

    def _destination(self, hero: Hero, focus: int | None) -> np.ndarray:
        if hero.role == HEALER:  # stay with the most hurt living ally
            living = [a for a in hero.allies if a[1] > 0]
            if living:
                return min(living, key=lambda a: a[2])[8:10] * (MAP - 1)
        if focus is not None and hero.enemies[focus, 0] > 0:
            delta = hero.enemy_delta(focus)
            if np.abs(delta).max() <= CHASE_CELLS:
                return delta
        if self._too_far_ahead(hero):
            return np.zeros(2)  # wait for the team
        return hero.to_enemy_base

    def _too_far_ahead(self, hero: Hero) -> bool:
        mine = np.abs(hero.to_enemy_base).max()
        theirs = [np.abs(hero.to_enemy_base - a[8:10] * (MAP - 1)).max() for a in hero.allies
                  if a[1] > 0 and np.abs(a[8:10]).max() * (MAP - 1) <= GROUP_CELLS]
        return bool(theirs) and mine < max(theirs) - LEAD_CELLS


def _step_towards(delta: np.ndarray, legal: set[int]) -> int:
    """The legal move that closes the larger gap first; stay when there."""
    dx, dy = np.rint(delta)
    horizontal = RIGHT if dx > 0 else LEFT
    vertical = UP if dy > 0 else DOWN
    order = [horizontal, vertical] if abs(dx) >= abs(dy) else [vertical, horizontal]
    gaps = {horizontal: dx, vertical: dy}
    for move in order:
        if gaps[move] != 0 and move in legal:
            return move
    return 0
