"""A scripted magent2 `battle_v4` army: attack an adjacent enemy, else step towards the nearest
enemy in sight, else advance towards the enemy's side of the map.

It reads only each soldier's own 13 × 13 view (channels: walls, own team, own team's HP,
enemy, enemy's HP; row = y, column = x, the soldier at the centre). The action ids are
magent2's for the battle soldier, checked by stepping the env: 13 moves over the cells within
Manhattan distance 2, row by row (dy, then dx), then 8 attacks on the cells around, row by row.
Red starts on the left of the map and blue on the right, so "advance" is +x for red.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from arena import Agent, EnvInfo, ObservationProtocol

WALL, TEAM, ENEMY, ENEMY_HP = 0, 1, 3, 4
MOVES = [(dx, dy) for dy in range(-2, 3) for dx in range(-2, 3) if abs(dx) + abs(dy) <= 2]  # action = index
ATTACKS = [(dx, dy) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dx, dy) != (0, 0)]  # action = 13 + index
STAY = MOVES.index((0, 0))


def soldier_action(view: np.ndarray, forward: int, rng: np.random.Generator) -> int:
    """One soldier's action from its view (H, W, C) and the x direction of the enemy's side."""
    c = view.shape[0] // 2
    enemy_hp = np.where(view[:, :, ENEMY] > 0, view[:, :, ENEMY_HP], np.inf)
    adjacent = [enemy_hp[c + dy, c + dx] for dx, dy in ATTACKS]
    if np.isfinite(min(adjacent)):  # the weakest neighbour: kills come sooner
        return len(MOVES) + int(np.argmin(adjacent))
    ys, xs = np.nonzero(view[:, :, ENEMY] > 0)
    if len(ys):
        nearest = int(np.argmin(np.abs(ys - c) + np.abs(xs - c)))
        target = (xs[nearest] - c, ys[nearest] - c)
    else:  # no enemy in sight: march on, drifting a little so that a column does not jam
        target = (8 * forward, int(rng.integers(-2, 3)))
    free = [i for i, (dx, dy) in enumerate(MOVES)
            if (dx, dy) == (0, 0) or not view[c + dy, c + dx, [WALL, TEAM, ENEMY]].any()]
    distance = [abs(target[0] - MOVES[i][0]) + abs(target[1] - MOVES[i][1]) for i in free]
    return free[int(np.argmin(distance))] if free else STAY


class BattleScripted(Agent):
    """A whole magent2 battle army with `act_team` (or one soldier with `act`), seeded."""

    def __init__(self, env_info: EnvInfo):
        super().__init__(env_info)
        self.shape = tuple(env_info.observation_shape)
        names = env_info.seat_names or ()
        self.forward = {seat: (1 if name.startswith("red") else -1) for seat, name in enumerate(names)}
        self.rng = np.random.default_rng(0)

    def reset(self, seats, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def act(self, obs: ObservationProtocol) -> int:
        return self.act_team({obs.seat: obs})[obs.seat]

    def act_team(self, observations: Mapping[int, ObservationProtocol]) -> dict[int, int]:
        return {seat: soldier_action(np.reshape(obs.tensor, self.shape), self.forward.get(seat, 1), self.rng)
                for seat, obs in observations.items()}
