"""fivehero: a small team-versus-team hero game as a PettingZoo ParallelEnv.

Two teams (radiant, dire) of `team_size` heroes fight on a 12x12 grid, each team defending
a base (a tower that shoots the nearest enemy hero in range) in its corner. A team wins by
destroying the enemy base; at `max_cycles` steps the game is a draw.

Roles: a tank (much health, melee, stuns nearby enemies), a ranged damage dealer (hits
every enemy in range with a volley) and a healer (heals every ally in range). Heroes near
their own base regenerate. Dead heroes respawn at their base after RESPAWN_STEPS.

Conventions a trainer can rely on:
- Agents are `radiant_0..T-1` and `dire_0..T-1`; all 2T stay in `agents` until the game
  ends. A dead or stunned hero keeps its slot with a no-op-only action mask (death masking).
- Everything a hero sees is in its own team's frame: dire's map is rotated 180 degrees and
  its moves are mirrored, so one policy can play either side.
- Actions: 0 stay, 1-4 move (up, right, down, left in the team's frame), 5..5+T-1 attack
  enemy slot j, 5+T attack the enemy base, 6+T use the role's ability. An illegal action
  (one the mask forbids) is played as "stay".
- Observations are dicts {"observation": float32[obs_dim], "action_mask": int8[num_actions]}.
  `observe_all()` and `step_all()` give the same data as (2T, ...) arrays for batched
  training, and `state()` / `team_state(team)` a global state for a centralised critic.
- Rewards: +1 to each winner and -1 to each loser when a base falls, 0 otherwise. With
  `shaped=True` every hero also gets small event rewards (damage dealt, kills, deaths,
  healing, base damage), made zero-sum between the teams by subtracting the enemy team's
  mean. `fivehero/5v5` in the arena is unshaped so that the referee scores wins by the base
  and draws at the step limit; trainers ask for `fivehero/5v5:shaped=true`.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from arena.errors import ArenaError

MAP = 12  # the grid is MAP x MAP; bases at (1, 1) and (MAP-2, MAP-2)
TEAMS = ("radiant", "dire")
TANK, RANGED, HEALER = 0, 1, 2
ROLE_NAMES = ("tank", "ranged", "healer")
ROSTER = (RANGED, TANK, HEALER, RANGED, TANK)  # the first T heroes of each team

# Per-role stats, indexed by role.
MAX_HP = np.array([220.0, 110.0, 100.0])
DAMAGE = np.array([9.0, 14.0, 6.0])
RANGE = np.array([1, 3, 2])
ABILITY_RADIUS = np.array([1, 3, 2])
ABILITY_DAMAGE = np.array([12.0, 20.0, 0.0])
ABILITY_STUN = np.array([2, 0, 0])  # steps the tank's stun lasts
ABILITY_HEAL = np.array([0.0, 0.0, 40.0])
COOLDOWN = np.array([8, 6, 5])

BASE_HP = 400.0
TOWER_RANGE, TOWER_DAMAGE = 3, 10.0
REGEN_RADIUS, REGEN = 2, 4.0
VISION = 4
RESPAWN_STEPS = 10
MAX_CYCLES = 200

# Shaped reward per event (before zero-summing); the terminal +-1 dominates a game.
REWARD_DAMAGE = 1e-3  # per hit point dealt to heroes
REWARD_KILL = 0.1  # shared by a victim's attackers by damage
REWARD_DEATH = 0.1
REWARD_HEAL = 1e-3  # per effective hit point healed
REWARD_BASE = 0.5 / BASE_HP  # per hit point dealt to the enemy base

STAY, MOVES = 0, 4
DIRECTIONS = np.array([[0, 0], [0, 1], [1, 0], [0, -1], [-1, 0]])  # stay, up, right, down, left
BASE_XY = np.array([[1, 1], [MAP - 2, MAP - 2]])
# Observation blocks: self; then each other hero (allies, then enemies, by slot): seen, alive,
# hp, role one-hot (3), ability ready, stunned, dx, dy, in my attack range; objectives.
SELF_FEATURES, OTHER_FEATURES, OBJECTIVE_FEATURES = 11, 11, 7


def _lookup_tables() -> SimpleNamespace:
    """Geometry precomputed per grid cell (cell = x * MAP + y), so that a step gathers
    distances, frames and moves for all heroes at once instead of computing them."""
    xy = np.stack(np.divmod(np.arange(MAP * MAP), MAP), axis=1)  # (cells, 2)
    frames = np.stack([xy, MAP - 1 - xy])  # (team, cells, 2): dire's view is rotated
    signs = np.array([1, -1])[:, None, None]
    moved = xy[None, :, None, :] + DIRECTIONS[None, None, :, :] * signs[..., None]  # (team, cells, 5, 2)
    inside = ((moved >= 0) & (moved < MAP)).all(3)
    clipped = np.clip(moved, 0, MAP - 1)
    base_frame = BASE_XY[None, :, None, :]  # each team sees its own base at (1, 1)
    return SimpleNamespace(
        xy=xy,
        dist=np.abs(xy[:, None, :] - xy[None, :, :]).max(2),  # Chebyshev distance
        base_dist=np.abs(xy[None, :, :] - BASE_XY[:, None, :]).max(2),  # (base, cells)
        own_xy=(frames / (MAP - 1)).astype(np.float32),
        rel=((xy[None, None, :, :] - xy[None, :, None, :]) * signs[..., None] / (MAP - 1)).astype(np.float32),
        next_cell=clipped[..., 0] * MAP + clipped[..., 1],  # (team, cells, action)
        move_ok=inside[:, :, 1:],
        objectives=((base_frame - frames[:, None, :, :]) / (MAP - 1)).transpose(0, 2, 1, 3)
        .reshape(2, MAP * MAP, 4).astype(np.float32),  # own and enemy base relative to a cell
    )


GRID = _lookup_tables()


def parallel_env(**kwargs: Any) -> FiveHeroEnv:
    """The PettingZoo constructor: parallel_env(team_size=5, shaped=True, ...)."""
    return FiveHeroEnv(**kwargs)


def _sized(team_size: int):
    def make(**kwargs: Any) -> FiveHeroEnv:
        kwargs.setdefault("shaped", False)  # arena games are scored by the base alone
        return FiveHeroEnv(team_size=team_size, **kwargs)

    make.__name__ = f"fivehero_{team_size}v{team_size}"
    return make


fivehero_1v1, fivehero_3v3, fivehero_5v5 = _sized(1), _sized(3), _sized(5)


def obs_layout(team_size: int) -> dict[str, slice]:
    """Where each block lies in a hero's observation vector."""
    sizes = {"self": SELF_FEATURES, "allies": (team_size - 1) * OTHER_FEATURES,
             "enemies": team_size * OTHER_FEATURES, "objectives": OBJECTIVE_FEATURES}
    layout, start = {}, 0
    for name, size in sizes.items():
        layout[name] = slice(start, start + size)
        start += size
    return layout


class FiveHeroEnv(ParallelEnv):
    metadata = {"name": "fivehero_v0", "render_modes": ["ansi", "rgb_array"], "render_fps": 8}

    def __init__(self, team_size: int = 5, max_cycles: int = MAX_CYCLES, shaped: bool = True,
                 render_mode: str | None = None):
        if not isinstance(team_size, int) or not 1 <= team_size <= len(ROSTER):
            raise ArenaError(f"fivehero team_size must be 1 to {len(ROSTER)}, not {team_size!r}")
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ArenaError(f"fivehero render_mode must be ansi or rgb_array, not {render_mode!r}")
        self.team_size, self.max_cycles, self.shaped = team_size, int(max_cycles), bool(shaped)
        self.render_mode = render_mode
        T = team_size
        self.n = 2 * T
        self.possible_agents = [f"{team}_{i}" for team in TEAMS for i in range(T)]
        self.agents: list[str] = []
        self.num_actions = MOVES + 1 + T + 2
        self.attack_base_action, self.ability_action = 5 + T, 6 + T
        self.layout = obs_layout(T)
        self.obs_dim = self.layout["objectives"].stop
        self._static_tables()
        obs_space = spaces.Dict({
            "observation": spaces.Box(-1.0, 1.0, (self.obs_dim,), np.float32),
            "action_mask": spaces.Box(0, 1, (self.num_actions,), np.int8),
        })
        self._obs_spaces = {a: obs_space for a in self.possible_agents}
        self._act_spaces = {a: spaces.Discrete(self.num_actions) for a in self.possible_agents}
        self.state_space = spaces.Box(-1.0, 1.0, (self.state_dim,), np.float32)
        self._rng = np.random.default_rng()

    def _static_tables(self) -> None:
        """Teams, roles, stats and the index arrays that gathers use, per hero."""
        T, N = self.team_size, self.n
        self.team = np.repeat([0, 1], T)
        self.enemy_team = 1 - self.team
        self.hero_idx = idx = np.arange(N)
        self.role = np.tile(ROSTER[:T], 2)
        self.sign = np.where(self.team == 0, 1, -1)
        self.enemy = self.team[:, None] != self.team[None, :]
        self.friend = ~self.enemy  # includes oneself
        self.base_enemies = self.team[None, :] != np.arange(2)[:, None]  # (base, hero)
        self.enemy_idx = np.array([idx[self.team != self.team[i]] for i in idx])  # (N, T)
        ally_idx = np.array([idx[(self.team == self.team[i]) & (idx != i)] for i in idx]).reshape(N, T - 1)
        self.other_idx = np.hstack([ally_idx, self.enemy_idx])  # (N, N-1): allies, then enemies
        self.enemy_flat = idx[:, None] * N + self.enemy_idx
        self.other_flat = idx[:, None] * N + self.other_idx
        self.team_col = self.team[:, None]
        self.bases_of = np.column_stack([self.team, self.enemy_team])  # own base, enemy base
        self.max_hp = MAX_HP[self.role]
        # Action tables: attack_hit[i, a, j] = damage hero i deals hero j by action a.
        slots = np.arange(self.num_actions) - 5
        targets = np.where((slots >= 0) & (slots < T), slots, 0)
        attacking = ((slots >= 0) & (slots < T))[None, :, None]
        self.attack_hit = attacking * DAMAGE[self.role][:, None, None] * (
            self.enemy_idx[:, targets][:, :, None] == idx[None, None, :])
        self.base_hit = DAMAGE[self.role][:, None] * (np.arange(self.num_actions) == self.attack_base_action)
        self.role_onehot = np.eye(3, dtype=np.float32)[self.role]
        self.others_roles = self.role_onehot[self.other_idx]
        column = lambda table: table[self.role][:, None]  # noqa: E731 - per hero, broadcasts over targets
        self.stats = SimpleNamespace(
            damage=DAMAGE[self.role], range=column(RANGE), ability_radius=column(ABILITY_RADIUS),
            ability_damage=column(ABILITY_DAMAGE), ability_stun=column(ABILITY_STUN),
            ability_heal=column(ABILITY_HEAL), cooldown=COOLDOWN[self.role],
            healer=(self.role == HEALER)[:, None], base_range=RANGE[self.role])

    # -- PettingZoo API -------------------------------------------------------------------
    def observation_space(self, agent: str) -> spaces.Space:
        return self._obs_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self._act_spaces[agent]

    def action_name(self, action: int) -> str:
        """The action's name in the hero's own frame (see the module docstring)."""
        names = ["stay", "up", "right", "down", "left",
                 *(f"attack enemy {j}" for j in range(self.team_size)), "attack base", "ability"]
        return names[action] if 0 <= action < len(names) else str(action)

    def reset(self, seed: int | None = None, options: dict | None = None):
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        N = self.n
        self.agents = list(self.possible_agents)
        self.cycle = 0
        self.spawn = self._spawn_cells()
        self.cell = self.spawn.copy()
        self.hp = self.max_hp.copy()
        self.alive = np.ones(N, bool)
        self.respawn = np.zeros(N, np.int64)
        self.cooldown = np.zeros(N, np.int64)
        self.stun = np.zeros(N, np.int64)
        self.base_hp = np.full(2, BASE_HP)
        self.winner: int | None = None  # 0 radiant, 1 dire, -1 draw; None while playing
        self._update_views()
        return self._obs_dicts(), {a: {} for a in self.agents}

    def step(self, actions: dict[str, int]):
        if not self.agents:
            return {}, {}, {}, {}, {}
        joint = np.array([actions.get(name, STAY) for name in self.possible_agents], np.int64)
        rewards, terminated, truncated = self.step_all(joint)
        names = self.possible_agents
        if terminated or truncated:
            self.agents = []
        return (self._obs_dicts(), dict(zip(names, rewards.tolist())), dict.fromkeys(names, terminated),
                dict.fromkeys(names, truncated), {a: {} for a in names})

    def state(self) -> np.ndarray:
        return self.team_state(0)

    def render(self):
        if self.render_mode == "ansi":
            return self.render_ansi()
        if self.render_mode == "rgb_array":
            return self.render_rgb()
        return None

    def close(self) -> None:
        pass

    # -- batched fast path ----------------------------------------------------------------
    def observe_all(self) -> tuple[np.ndarray, np.ndarray]:
        """Observations (2T, obs_dim) float32 and action masks (2T, num_actions) int8,
        rows in `possible_agents` order (fresh arrays each step)."""
        return self._obs, self._mask

    def step_all(self, actions: np.ndarray) -> tuple[np.ndarray, bool, bool]:
        """Apply one action per hero (2T ints, illegal ones played as stay); returns the
        rewards (2T,), terminated, truncated. Read the next view with observe_all()."""
        actions = np.asarray(actions, np.int64)
        in_space = (actions >= 0) & (actions < self.num_actions)
        legal = self._mask.ravel()[self.hero_idx * self.num_actions + actions * in_space] & in_space
        rewards = self._advance(actions * legal)
        self.cycle += 1
        terminated = self.winner is not None
        truncated = not terminated and self.cycle >= self.max_cycles
        if truncated:
            self.winner = -1
        self._update_views()
        return rewards, terminated, truncated

    @property
    def pos(self) -> np.ndarray:
        """(2T, 2) grid coordinates x, y of every hero (world frame, radiant's)."""
        return GRID.xy[self.cell]

    @property
    def state_dim(self) -> int:
        return self.n * 8 + 5

    def team_state(self, team: int) -> np.ndarray:
        """Everything, in `team`'s frame: per hero (own team first) alive, hp, x, y,
        cooldown, stun, respawn, role; then both bases' hp (own first), the time left and
        which team this is."""
        order = np.concatenate([np.flatnonzero(self.team == team), np.flatnonzero(self.team != team)])
        heroes = np.column_stack([
            self.alive, self.hp / self.max_hp, GRID.own_xy[team, self.cell], self.cooldown / self.stats.cooldown,
            self.stun / ABILITY_STUN.max(), self.respawn / RESPAWN_STEPS, self.role / 2,
        ])[order]
        tail = [self.base_hp[team] / BASE_HP, self.base_hp[1 - team] / BASE_HP,
                1 - self.cycle / self.max_cycles, team, 1 - team]
        return np.concatenate([heroes.ravel(), tail]).astype(np.float32)

    # -- rules ----------------------------------------------------------------------------
    def _spawn_cells(self) -> np.ndarray:
        """Each hero starts on a random cell next to its own base (the only randomness)."""
        xy = BASE_XY[self.team] + self._rng.integers(-1, 2, size=(self.n, 2))
        return xy[:, 0] * MAP + xy[:, 1]

    def _advance(self, a: np.ndarray) -> np.ndarray:
        """One simultaneous step: combat on the current positions, then movement, deaths,
        respawns and timers. Returns the per-hero rewards."""
        N, alive, s = self.n, self.alive, self.stats
        # Damage matrix: hit[i, j] = damage hero i deals hero j this step.
        hit = self.attack_hit[self.hero_idx, a]
        casting = a == self.ability_action
        if casting.any():
            area = casting[:, None] & self._in_radius
            enemy_area = area & self.enemy
            hit += s.ability_damage * enemy_area
            stunned = (s.ability_stun * enemy_area).max(0)
            heal = s.ability_heal * (area & self.friend)
        else:
            stunned, heal = 0, np.zeros((N, N))
        base_damage = self.base_hit[self.hero_idx, a]

        taken = hit.sum(0) + self._tower_shots()
        healed = heal.sum(0)
        wounded = self.hp - taken
        regen = REGEN * (self._base_dist[self.team, self.hero_idx] <= REGEN_RADIUS)
        self.hp = np.minimum(wounded + healed + regen, self.max_hp) * alive
        killed = alive & (self.hp <= 0)

        self.cell = GRID.next_cell[self.team, self.cell, a * (alive & (a <= MOVES))]
        self.base_hp = self.base_hp - np.bincount(self.enemy_team, base_damage, minlength=2)
        self.stun = np.maximum(self.stun - 1, stunned)
        self.cooldown = np.where(casting, s.cooldown, np.maximum(self.cooldown - 1, 0))
        self._kill_and_respawn(killed)

        fallen = self.base_hp <= 0
        if fallen.any():
            self.winner = -1 if fallen.all() else int(np.flatnonzero(~fallen)[0])
        rewards = np.zeros(N)
        if self.shaped:
            effective = np.minimum(healed, self.max_hp - np.maximum(wounded, 0))
            rewards = self._shaped(hit, heal, taken, healed, effective, killed, base_damage)
        if self.winner is not None and self.winner >= 0:
            rewards = rewards + np.where(self.team == self.winner, 1.0, -1.0)
        return rewards

    def _tower_shots(self) -> np.ndarray:
        """Each base shoots the nearest living enemy hero in range (lowest slot on ties)."""
        reach = self._base_dist
        targets = (reach <= TOWER_RANGE) & self.base_enemies
        if not targets.any():
            return 0.0
        targets &= self.alive & (self.base_hp > 0)[:, None]
        nearest = np.where(targets, reach * self.n + self.hero_idx, 10**6).argmin(1)
        return np.bincount(nearest, TOWER_DAMAGE * targets.any(1), minlength=self.n)

    def _kill_and_respawn(self, killed: np.ndarray) -> None:
        """The killed go back to their spawn cell to wait; those whose wait ends revive."""
        self.respawn = np.where(killed, RESPAWN_STEPS, np.maximum(self.respawn - 1, 0))
        back = ~self.alive & (self.respawn == 0)
        if killed.any() or back.any():
            self.cell = np.where(killed, self.spawn, self.cell)
            self.stun = np.where(killed, 0, self.stun)
            self.alive = (self.alive & ~killed) | back
            self.hp = np.where(back, self.max_hp, self.hp)
            self.cooldown = np.where(back, 0, self.cooldown)

    def _shaped(self, hit, heal, taken, healed, effective, killed, base_damage) -> np.ndarray:
        """Per-hero event rewards, zero-summed: each minus the enemy team's mean."""
        rho = REWARD_DAMAGE * hit.sum(1) - REWARD_DEATH * killed + REWARD_BASE * base_damage
        if killed.any():  # a kill is shared by the victim's attackers by damage dealt
            rho += REWARD_KILL * (hit[:, killed] / taken[killed]).sum(1)
        if healed.any():
            rho += REWARD_HEAL * (heal * (effective / np.maximum(healed, 1e-9))).sum(1)
        team_mean = rho.reshape(2, self.team_size).sum(1) / self.team_size
        return rho - team_mean[self.enemy_team]

    # -- what heroes see ------------------------------------------------------------------
    def _update_views(self) -> None:
        """Distances, masks and observations for the next decision, computed once."""
        cell, s = self.cell, self.stats
        self._dist = dist = GRID.dist[cell[:, None], cell]
        self._base_dist = GRID.base_dist[:, cell]  # (base, hero)
        self._in_radius = (dist <= s.ability_radius) & self.alive
        self._in_range = (dist <= s.range) & self.alive
        self._mask = self._masks()
        self._obs = self._observations()

    def _masks(self) -> np.ndarray:
        mask = np.zeros((self.n, self.num_actions), np.int8)
        mask[:, STAY] = 1
        if self.winner is not None:
            return mask
        s = self.stats
        free = self.alive & (self.stun == 0)
        free_col = free[:, None]
        mask[:, 1:5] = free_col & GRID.move_ok[self.team, self.cell]
        mask[:, 5:self.attack_base_action] = free_col & self._in_range.ravel()[self.enemy_flat]
        mask[:, self.attack_base_action] = free & (self._base_dist[self.enemy_team, self.hero_idx] <= s.base_range)
        targets = np.where(s.healer, self.friend & (self.hp < self.max_hp), self.enemy)
        mask[:, self.ability_action] = free & (self.cooldown == 0) & (self._in_radius & targets).any(1)
        return mask

    def _observations(self) -> np.ndarray:
        """Per hero: itself, every other hero (allies then enemies, by slot; enemies only
        when the team sees them), and the objectives, all in the hero's team frame."""
        N, T, alive, cell = self.n, self.team_size, self.alive, self.cell
        # Team vision: an enemy is seen if near a living ally or the team's base.
        near = (self._dist <= VISION) & alive[:, None]
        team_sees = near.reshape(2, T, N).any(1) | (self._base_dist <= VISION)
        seen = (self.friend | team_sees[self.team]) & alive  # seen[i, j]

        public = np.empty((N, 7), np.float32)
        public[:, 0] = alive
        public[:, 1] = self.hp / self.max_hp
        public[:, 2:5] = self.role_onehot
        public[:, 5] = (self.cooldown == 0) & alive
        public[:, 6] = (self.stun > 0) & alive

        others = np.empty((N, N - 1, OTHER_FEATURES), np.float32)
        others_seen = seen.ravel()[self.other_flat][..., None]
        others[..., 0:1] = others_seen
        others[..., 1:8] = np.take(public, self.other_idx, axis=0)
        others[..., 8:10] = GRID.rel[self.team_col, cell[:, None], cell[self.other_idx]]
        others[..., 10] = self._in_range.ravel()[self.other_flat]
        others *= others_seen
        others[..., 3:6] = self.others_roles  # every hero's role is public

        own = np.empty((N, SELF_FEATURES + OBJECTIVE_FEATURES), np.float32)
        own[:, 0:7] = public
        own[:, 7:9] = GRID.own_xy[self.team, cell]
        own[:, 9] = self.cooldown / self.stats.cooldown
        own[:, 10] = self.respawn / RESPAWN_STEPS
        own[:, 11:13] = self.base_hp[self.bases_of] / BASE_HP
        own[:, 13:17] = GRID.objectives[self.team, cell]
        own[:, 17] = 1 - self.cycle / self.max_cycles
        return np.concatenate([own[:, :SELF_FEATURES], others.reshape(N, -1), own[:, SELF_FEATURES:]], axis=1)

    def _obs_dicts(self) -> dict[str, dict[str, np.ndarray]]:
        obs, mask = self._obs, self._mask
        return {name: {"observation": obs[i], "action_mask": mask[i]}
                for i, name in enumerate(self.possible_agents)}

    # -- rendering ------------------------------------------------------------------------
    def render_ansi(self) -> str:
        grid = [["." for _ in range(MAP)] for _ in range(MAP)]
        for team, (x, y) in enumerate(BASE_XY):
            grid[y][x] = "Bb"[team] if self.base_hp[team] > 0 else "x"
        for i in np.flatnonzero(self.alive):
            x, y = self.pos[i]
            letter = "TRH"[self.role[i]]
            grid[y][x] = letter if self.team[i] == 0 else letter.lower()
        rows = ["".join(row) for row in reversed(grid)]  # y grows upwards
        status = []
        for team in (0, 1):
            heroes = " ".join(
                f"{ROLE_NAMES[self.role[i]]}:{int(self.hp[i])}" if self.alive[i] else f"{ROLE_NAMES[self.role[i]]}:dead"
                for i in np.flatnonzero(self.team == team))
            status.append(f"{TEAMS[team]} base {int(max(self.base_hp[team], 0))} | {heroes}")
        return "\n".join([f"step {self.cycle}/{self.max_cycles}", *rows, *status])

    def render_rgb(self, cell: int = 16) -> np.ndarray:
        """An (MAP*cell, MAP*cell, 3) uint8 image: bases as big squares, heroes as dots
        coloured by team and shaded by role, with a health bar."""
        img = np.full((MAP * cell, MAP * cell, 3), 235, np.uint8)
        img[::cell, :] = img[:, ::cell] = 210
        team_rgb = np.array([[40, 160, 60], [190, 50, 50]])
        role_shade = np.array([0.6, 1.0, 1.3])

        def box(x, y, lo, hi, rgb):
            top = (MAP - 1 - y) * cell
            img[top + lo:top + hi, x * cell + lo:x * cell + hi] = rgb

        for team, (x, y) in enumerate(BASE_XY):
            box(x, y, 1, cell - 1, team_rgb[team] // 2 if self.base_hp[team] > 0 else 120)
        for i in np.flatnonzero(self.alive):
            x, y = self.pos[i]
            box(x, y, 3, cell - 3, np.clip(team_rgb[self.team[i]] * role_shade[self.role[i]], 0, 255))
            top = (MAP - 1 - y) * cell
            width = int(round((cell - 4) * self.hp[i] / self.max_hp[i]))
            img[top + 1:top + 3, x * cell + 2:x * cell + 2 + width] = (20, 20, 20)
        return img
