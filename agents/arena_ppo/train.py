"""Team PPO in the style of OpenAI Five, written CleanRL-style: one flat loop, read top to bottom.

One shared policy plays every hero of a team (seat one-hot input); a centralised critic may
see the global state (MAPPO). Per-hero rewards are zero-summed between teams and blended
with the team mean by the team spirit τ (0.3 → 1.0). In team-vs-team envs the learner plays
80 % of its games against its latest self and 20 % against past snapshots drawn by quality
(pool.py), after small shares against uniform random play and a fixed scripted team (as
OpenAI Five met scripted bots early); only the learning side's data is trained on.
Cooperative envs (one team) need no opponent.

    arena train ppo mpe2/simple_spread_v3 --steps 1500000 --out runs/spread
    arena train ppo fivehero/5v5 --minutes 60 --out runs/five
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from arena.checkpoints import prepare_run_dir
from arena.envs.base import parse_env_id
from arena.errors import ArenaError
from arena.training import Options, overrides_for, trainer_command
from arena_ppo import checkpoint as ckpt
from arena_ppo.model import MASKED, TeamPolicy, logp_entropy, sample
from arena_ppo.pool import LATEST, RANDOM, SCRIPTED, OpponentPool
from arena_ppo.vec import VecEnv


@dataclass
class Args:
    env_id: str = "mpe2/simple_spread_v3"
    """arena env id: a simultaneous-move env with one team (cooperative) or two (self-play)"""
    out: str = "runs/ppo"
    """directory for latest.pt, iter_*.pt checkpoints and metrics.jsonl"""
    seed: int = 1
    """seed of envs, network initialisation and opponent sampling"""
    minutes: float | None = None
    """wall-clock training budget; training stops at whichever budget ends first"""
    steps: int | None = None
    """budget in env steps (one step of one env, every seat acting); 1M if no budget is given"""
    cpu_minutes: float | None = None
    """CPU-time budget of this process"""
    resume: bool = False
    """continue from OUT/latest.pt (model, optimiser, pool, step count, time spent)"""
    num_envs: int = 16
    """envs stepped together, with one batched forward pass per step"""
    rollout: int = 64
    """steps per env per iteration"""
    epochs: int = 10
    """passes over each rollout"""
    minibatches: int = 2
    """minibatches per epoch"""
    lr: float = 7e-4
    """Adam learning rate, annealed linearly to 0"""
    gamma: float = 0.99
    """discount (horizon ≈ 1 / (1 - γ) steps)"""
    gae_lambda: float = 0.95
    """λ of generalised advantage estimation"""
    clip: float = 0.2
    """PPO ratio clip ε (also clips the value update)"""
    ent_coef: float = 0.01
    """entropy bonus at the start"""
    ent_coef_final: float = 0.001
    """entropy bonus at the end (linear in between)"""
    vf_coef: float = 0.5
    """weight of the value loss"""
    max_grad_norm: float = 0.5
    """gradient-norm clip"""
    hidden: int = 64
    """width of the two hidden layers of actor and critic"""
    central_critic: bool = True
    """the critic also sees the env's global state (MAPPO)"""
    tau_start: float = 0.3
    """team spirit at the start: 0 = own reward only, 1 = team mean only"""
    tau_end: float = 1.0
    """team spirit at the end of the budget"""
    zero_sum: bool = True
    """subtract the enemy team's mean reward from each hero's (team-vs-team envs)"""
    latest_fraction: float = 0.8
    """share of self-play games against the latest policy; the rest against past snapshots"""
    random_fraction: float = 0.1
    """share of self-play games against uniform random play (before the 80/20 split): a
    fixed opponent that does not defend, so the learner meets won games early instead of
    settling into mutual defence with itself"""
    scripted_fraction: float = 0.0
    """share of self-play games against the fixed `scripted_spec` team (drawn like
    random_fraction): OpenAI Five also trained against scripted bots early on. Self-play alone
    taught both sides to defend, so the learner never met a team that pushes and can be beaten"""
    scripted_spec: str = "fivehero-scripted"
    """agent spec of that scripted team"""
    draw_penalty: float = 0.0
    """subtracted from the learning side's reward when a game ends in a draw (step limit), so
    a drawn game is worth less than trying to win; 0 keeps the env's zero-sum rewards"""
    shaping: float = 1.0
    """weight of the env's shaped event rewards at the start, against the game's result
    (±1 when a base falls, which always counts fully): r = w·ρ + (1 − w)·result. For envs
    whose reward ends with ±1 for the result (fivehero); self-play only"""
    shaping_final: float | None = None
    """that weight at the end of the budget (linear in between); default: `shaping`. Shaped
    kill rewards outgrow the base's: a team that farms respawning heroes never finishes"""
    snapshot_every: int = 10
    """iterations between snapshots added to the opponent pool"""
    pool_capacity: int = 50
    """snapshots kept (oldest dropped)"""
    quality_eta: float = 0.01
    """η of OpenAI Five's quality update"""
    eval_every: int = 50
    """iterations between evaluation rounds (and kept iter_*.pt checkpoints)"""
    eval_games: int = 20
    """games per evaluation opponent, half on each side"""
    eval_opponents: str = "fivehero-scripted,random"
    """agent specs to evaluate against in team-vs-team envs (those that cannot play are skipped)"""
    store: str | None = None
    """SQLite store (arena.store) that evaluation games are recorded in, so the run's
    checkpoints appear on the leaderboard; default $ARENA_DB, else OUT/arena.db"""
    eval_env_id: str | None = None
    """env of evaluation games; default: the training env without its parameters, so that
    `fivehero/5v5:shaped=true` trains on shaped rewards and is judged on `fivehero/5v5`"""
    checkpoint_every: int = 10
    """iterations between writes of latest.pt"""
    progress: bool = True
    """show a rich progress bar"""


# -- small pure functions -------------------------------------------------------------------


def compute_gae(rewards: np.ndarray, values: np.ndarray, dones: np.ndarray, next_value: np.ndarray,
                next_done: np.ndarray, gamma: float, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Advantages and returns, arrays over time first. dones[t] says observation t starts a
    new game (CleanRL's convention), so no value is bootstrapped across it:
    δ_t = r_t + γ V_{t+1} (1 − d_{t+1}) − V_t,  A_t = δ_t + γλ (1 − d_{t+1}) A_{t+1}."""
    advantages = np.zeros_like(values)
    last = np.zeros_like(values[0])
    for t in reversed(range(len(rewards))):
        value_next, done_next = (next_value, next_done) if t == len(rewards) - 1 else (values[t + 1], dones[t + 1])
        nonterminal = 1.0 - done_next
        delta = rewards[t] + gamma * value_next * nonterminal - values[t]
        last = delta + gamma * lam * nonterminal * last
        advantages[t] = last
    return advantages, advantages + values


def shape_rewards(rho: np.ndarray, sides: tuple[tuple[int, ...], ...], tau: float, zero_sum: bool) -> np.ndarray:
    """Per-hero rewards (E, N) → trained rewards: zero-summed against the enemy team's mean
    (two teams), then r_i = (1 − τ) ρ_i + τ · mean of i's team."""
    rho = rho.astype(np.float32, copy=True)
    team_means = [rho[:, list(side)].mean(1, keepdims=True) for side in sides]
    if zero_sum and len(sides) == 2:
        for side, enemy in ((0, 1), (1, 0)):
            rho[:, list(sides[side])] -= team_means[enemy]
        team_means = [rho[:, list(side)].mean(1, keepdims=True) for side in sides]
    out = np.empty_like(rho)
    for side, mean in zip(sides, team_means):
        out[:, list(side)] = (1 - tau) * rho[:, list(side)] + tau * mean
    return out


def weigh_shaping(rho: np.ndarray, finished: list, sides: tuple[tuple[int, ...], ...],
                  weight: float) -> np.ndarray:
    """Rewards (E, N) with shaped events weighted by `weight` and the result of each finished
    game kept whole: w·ρ + (1 − w)·result, result = +1 / −1 / 0 per hero of the side that
    won / lost / drew (ρ already holds the result in its last step)."""
    if weight == 1.0:
        return rho
    out = weight * rho
    for game in finished:
        for side, score in zip(sides, game.scores):
            out[game.env, list(side)] += (1.0 - weight) * (2.0 * score - 1.0)
    return out


def masked_mean(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    return (x * weight).sum() / weight.sum().clamp(min=1.0)


def self_play_sides(info) -> bool:
    """True for two equal teams (self-play), False for one side (cooperative); else an error."""
    sides = info.sides
    if len(sides) == 1:
        return False
    if info.teams is None:
        raise ArenaError(f"{info.id} has no teams, so ppo cannot self-play it; train on a team env "
                         "(e.g. fivehero/5v5) or a cooperative one (e.g. mpe2/simple_spread_v3)")
    if len(sides) != 2 or len(sides[0]) != len(sides[1]):
        raise ArenaError(f"ppo self-play needs two teams of equal size; {info.id} has teams of "
                         f"{', '.join(str(len(s)) for s in sides)}")
    return True


def to_t(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x))


# -- evaluation --------------------------------------------------------------------------------


def evaluate(model: TeamPolicy, env_id: str, spec: str, games: int, seed: int, name: str = "ppo",
             store=None, tournament: str = "") -> dict[str, Any]:
    """Score of the current policy against `spec` over `games` referee games, half per side;
    each game goes into `store` (an arena.store.Store) when given, with the policy as `name`."""
    from arena.api import make_agent, make_env
    from arena.referee import play
    from arena_ppo.agent import PPOAgent

    env = make_env(env_id)
    me, other = PPOAgent.from_model(env.info, model), make_agent(spec, env)
    scores = []
    for game in range(games):
        side = game % 2
        agents = [me, other] if side == 0 else [other, me]
        record = play(env, agents, seed=seed + game, names=[name, spec][::1 if side == 0 else -1])
        scores.append(record.scores[side])
        if store is not None:
            store.record_game(tournament, env_id, record)
    score = float(np.mean(scores))
    clipped = min(max(score, 0.5 / games), 1 - 0.5 / games)
    return {"score": score, "wins": int(sum(s == 1 for s in scores)), "games": games,
            "elo_diff": 400 * math.log10(clipped / (1 - clipped))}


# -- the loop ----------------------------------------------------------------------------------


def train(args: Args) -> dict[str, Any]:
    torch.set_num_threads(1)
    if args.minutes is not None and args.minutes <= 0:
        raise ArenaError(f"--minutes must be > 0, got {args.minutes:g}")
    if args.steps is not None and args.steps <= 0:
        raise ArenaError(f"--steps must be > 0, got {args.steps}")
    total_steps = args.steps or (None if args.minutes or args.cpu_minutes else 1_000_000)
    total_seconds = args.minutes * 60 if args.minutes else None
    total_cpu = args.cpu_minutes * 60 if args.cpu_minutes else None
    out = prepare_run_dir(args.out)
    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)

    vec = VecEnv(args.env_id, args.num_envs, args.seed)
    info = vec.info
    selfplay = self_play_sides(info)
    sides = info.sides
    side_seats = np.array(sides)  # (sides, K)
    E, T, K, N, D, A = args.num_envs, args.rollout, len(sides[0]), info.num_seats, vec.obs_dim, info.num_actions
    S = vec.state_dim if args.central_critic else 0
    model = TeamPolicy(D, N, A, S, args.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, eps=1e-5)
    pool = OpponentPool(args.quality_eta, args.pool_capacity)
    global_step, iteration, time_before = 0, 0, 0.0
    if args.resume:
        data = ckpt.load(out / "latest.pt")
        model = ckpt.build_model(data, out / "latest.pt", info)
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, eps=1e-5)
        optimizer.load_state_dict(data["optimizer"])
        pool.load_state_dict(data["pool"])
        global_step, iteration, time_before = data["global_step"], data["iteration"], data["elapsed"]
    opponents = OpponentNets(model, pool, D, N, A, S, args.hidden)
    if selfplay and args.scripted_fraction > 0:
        opponents.add_scripted(args.scripted_spec, vec.envs)

    eval_specs = [s for s in args.eval_opponents.split(",") if s.strip()] if selfplay else []
    eval_env = args.eval_env_id or parse_env_id(args.env_id)[0]
    eval_specs = [s for s in eval_specs if _can_play(s, eval_env)]

    def checkpoint(path: Path, full: bool) -> None:
        data = {**ckpt.model_spec(model, info, args.hidden), "model": model.state_dict(),
                "args": dataclasses.asdict(args), "global_step": global_step, "iteration": iteration,
                "elapsed": elapsed(), "cpu": cpu_used()}
        if full:
            data.update(optimizer=optimizer.state_dict(), pool=pool.state_dict())
        ckpt.save(path, data)

    # Rollout storage: time × env × learning seat.
    b_obs = np.zeros((T, E, K, D), np.float32)
    b_mask = np.zeros((T, E, K, A), bool)
    b_alive = np.zeros((T, E, K), np.float32)
    b_seat = np.zeros((T, E, K), np.int64)
    b_state = np.zeros((T, E, max(S, 1)), np.float32)
    b_action = np.zeros((T, E, K), np.int64)
    b_logp = np.zeros((T, E, K), np.float32)
    b_value = np.zeros((T, E, K), np.float32)
    b_reward = np.zeros((T, E, K), np.float32)
    b_done = np.zeros((T, E), np.float32)

    learn_side = np.arange(E) % len(sides)  # envs alternate sides so the policy plays both
    opponent = np.full(E, LATEST)
    rows = np.arange(E)[:, None]
    obs, mask, alive, state = vec.observe(learn_side if S else None)
    done = np.zeros(E, bool)
    start = time.time()
    elapsed = lambda: time_before + time.time() - start  # noqa: E731
    cpu_start = time.process_time() - (data.get("cpu", 0.0) if args.resume else 0.0)
    cpu_used = lambda: time.process_time() - cpu_start  # noqa: E731
    progress_of = lambda: max(global_step / total_steps if total_steps else 0.0,  # noqa: E731
                              elapsed() / total_seconds if total_seconds else 0.0,
                              cpu_used() / total_cpu if total_cpu else 0.0)
    metrics_file = open(out / "metrics.jsonl", "a")
    bar = Progress(args.progress, f"ppo {args.env_id}", every=args.eval_every)
    last: dict[str, Any] = {}
    try:
        while progress_of() < 1.0:
            frac = progress_of()
            tau = args.tau_start + (args.tau_end - args.tau_start) * frac
            ent_coef = args.ent_coef + (args.ent_coef_final - args.ent_coef) * frac
            shaping_final = args.shaping if args.shaping_final is None else args.shaping_final
            shaping = args.shaping + (shaping_final - args.shaping) * frac if selfplay else 1.0
            optimizer.param_groups[0]["lr"] = args.lr * (1.0 - frac)
            episode_returns, scores_latest, scores_pool, scores_random, scores_scripted = [], [], [], [], []
            iter_start, step_before = time.time(), global_step

            # 1. Rollout: the learning side acts from the current policy; opponents from theirs.
            for t in range(T):
                seats = side_seats[learn_side]  # (E, K)
                b_obs[t], b_mask[t], b_alive[t], b_seat[t] = obs[rows, seats], mask[rows, seats], alive[rows, seats], seats
                if S:
                    b_state[t] = state
                b_done[t] = done
                with torch.inference_mode():
                    o, s, m = to_t(b_obs[t]).view(E * K, D), to_t(b_seat[t]).view(-1), to_t(b_mask[t]).view(E * K, A)
                    action, logp = sample(model.logits(o, s, m))
                    value = model.value(o, s, to_t(b_state[t]).repeat_interleave(K, 0) if S else None)
                b_action[t], b_logp[t], b_value[t] = action.view(E, K), logp.view(E, K), value.view(E, K)
                actions = np.zeros((E, N), np.int64)
                actions[rows, seats] = b_action[t]
                if selfplay:
                    opponents.act(obs, mask, side_seats[1 - learn_side], opponent, actions)
                rho, done, finished = vec.step(actions)
                rho = weigh_shaping(rho, finished, sides, shaping)
                b_reward[t] = shape_rewards(rho, sides, tau, args.zero_sum)[rows, seats]
                global_step += E
                for game in finished:
                    e, side = game.env, learn_side[game.env]
                    episode_returns.append(np.mean([game.returns[s] for s in sides[side]]))
                    if selfplay:
                        score = game.scores[side]
                        {LATEST: scores_latest, RANDOM: scores_random,
                         SCRIPTED: scores_scripted}.get(opponent[e], scores_pool).append(score)
                        if score == 0.5:
                            b_reward[t, e] -= args.draw_penalty
                        if score == 1.0 and opponent[e] in pool.ids:
                            pool.learner_won(pool.ids.index(opponent[e]))
                        learn_side[e] = 1 - side
                        opponent[e] = draw_opponent(pool, rng, args)
                        opponents.new_game(e, side_seats[1 - learn_side[e]])
                obs, mask, alive, state = vec.observe(learn_side if S else None)

            # 2. Advantages (GAE) over each learning seat's own chain of steps.
            seats = side_seats[learn_side]
            with torch.inference_mode():
                st = to_t(state).repeat_interleave(K, 0) if S else None
                next_value = model.value(to_t(obs[rows, seats]).view(E * K, D), to_t(seats).view(-1), st).view(E, K).numpy()
            advantages, returns = compute_gae(b_reward, b_value, b_done[..., None], next_value,
                                              done[:, None].astype(np.float32), args.gamma, args.gae_lambda)

            # 3. PPO update on the learning side's samples; dead heroes count for the critic only.
            model.value_norm.update(to_t(returns))
            flat = lambda x, *shape: to_t(x).reshape(T * E * K, *shape)  # noqa: E731
            f_obs, f_seat, f_mask, f_action = flat(b_obs, D), flat(b_seat), flat(b_mask, A), flat(b_action)
            f_state = to_t(b_state[:, :, None, :S].repeat(K, 2)).reshape(T * E * K, S) if S else None
            f_logp, f_value, f_adv, f_ret, f_alive = flat(b_logp), flat(b_value), flat(advantages), flat(returns), flat(b_alive)
            batch = T * E * K
            stats = []
            for _ in range(args.epochs):
                for mb in torch.randperm(batch).chunk(args.minibatches):
                    logits = model.logits(f_obs[mb], f_seat[mb], f_mask[mb])
                    new_logp, entropy = logp_entropy(logits, f_action[mb])
                    ratio = (new_logp - f_logp[mb]).exp()
                    w = f_alive[mb]
                    adv = f_adv[mb]
                    adv_mean = masked_mean(adv, w)
                    adv = (adv - adv_mean) / (masked_mean((adv - adv_mean) ** 2, w).sqrt() + 1e-8)
                    pg_loss = masked_mean(torch.max(-adv * ratio, -adv * ratio.clamp(1 - args.clip, 1 + args.clip)), w)
                    entropy_mean = masked_mean(entropy, w)
                    v_new = model.value_normalized(f_obs[mb], f_seat[mb], f_state[mb] if S else None)
                    target, v_old = model.value_norm(f_ret[mb].unsqueeze(-1)).squeeze(-1), model.value_norm(f_value[mb].unsqueeze(-1)).squeeze(-1)
                    v_clipped = v_old + (v_new - v_old).clamp(-args.clip, args.clip)
                    v_loss = 0.5 * torch.max((v_new - target) ** 2, (v_clipped - target) ** 2).mean()
                    loss = pg_loss - ent_coef * entropy_mean + args.vf_coef * v_loss
                    optimizer.zero_grad()
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
                    optimizer.step()
                    with torch.no_grad():
                        kl = masked_mean((ratio - 1) - ratio.log(), w)
                        clipped = masked_mean(((ratio - 1).abs() > args.clip).float(), w)
                    stats.append([pg_loss.item(), v_loss.item(), entropy_mean.item(), kl.item(), clipped.item()])
            # Normalisers move after the update, so a rollout and its update see the same inputs.
            alive_rows = b_alive.reshape(-1) > 0
            model.obs_norm.update(to_t(b_obs.reshape(-1, D)[alive_rows]))
            if S:
                model.state_norm.update(to_t(b_state[:, :, :S].reshape(-1, S)))
            iteration += 1

            # 4. Self-play bookkeeping, metrics, checkpoints, evaluation.
            if selfplay and iteration % args.snapshot_every == 0:
                pool.add({k: v.clone() for k, v in model.state_dict().items()}, iteration)
                # An env whose snapshot just left the pool plays on against the latest policy.
                opponent[~np.isin(opponent, [LATEST, RANDOM, SCRIPTED, *pool.ids])] = LATEST
            pg, vl, ent, kl, cf = np.mean(stats, axis=0)
            last = {"iteration": iteration, "step": global_step, "elapsed": round(elapsed(), 1),
                    "sps": round((global_step - step_before) / (time.time() - iter_start)),
                    "tau": round(tau, 3), "shaping": round(shaping, 3), "lr": optimizer.param_groups[0]["lr"],
                    "pg_loss": pg,
                    "v_loss": vl, "entropy": ent, "approx_kl": kl, "clipfrac": cf,
                    "episodes": len(episode_returns),
                    "episode_return": float(np.mean(episode_returns)) if episode_returns else None}
            if selfplay:
                last.update(score_vs_latest=_mean(scores_latest), score_vs_pool=_mean(scores_pool),
                            score_vs_random=_mean(scores_random), score_vs_scripted=_mean(scores_scripted),
                            pool=len(pool))
            if eval_specs and iteration % args.eval_every == 0:
                path = out / f"iter_{iteration:05d}.pt"
                checkpoint(path, full=False)
                name = f"ppo:checkpoint={path}"
                store = open_store(args, out)
                store.tag_agent(name, run=str(out), step=global_step)
                for spec in eval_specs:
                    result = evaluate(model, eval_env, spec, args.eval_games, seed=args.seed * 100_003 + iteration,
                                      name=name, store=store, tournament=f"train:{out}")
                    last.update({f"eval_{spec}_{k}": v for k, v in result.items()})
                store.close()
            metrics_file.write(json.dumps(last) + "\n")
            metrics_file.flush()
            if iteration % args.checkpoint_every == 0:
                checkpoint(out / "latest.pt", full=True)
            bar.update(progress_of(), last)
    finally:  # an interrupted run still leaves a usable last checkpoint
        if iteration:
            checkpoint(out / "latest.pt", full=True)
        bar.close()
        metrics_file.close()
        vec.close()
    return last


def draw_opponent(pool: OpponentPool, rng: np.random.Generator, args: Args) -> int:
    """RANDOM, SCRIPTED, LATEST or the id of a pool snapshot, for the next game of one env."""
    u = rng.random()
    if u < args.random_fraction:
        return RANDOM
    if u < args.random_fraction + args.scripted_fraction:
        return SCRIPTED
    i = pool.sample(rng, args.latest_fraction)
    return LATEST if i == LATEST else pool.ids[i]


def _mean(xs: list[float]) -> float | None:
    return float(np.mean(xs)) if xs else None


def _can_play(spec: str, env_id: str) -> bool:
    from arena.agents import parse_agent_spec
    from arena.api import cannot_play, make_env
    from arena.plugins import get_registry

    name = parse_agent_spec(spec)[0]
    return get_registry().find("agents", name) is not None and cannot_play(name, make_env(env_id).info) is None


def open_store(args: Args, out: Path):
    import os

    from arena.store import Store

    return Store(args.store or os.environ.get("ARENA_DB") or out / "arena.db")


class OpponentNets:
    """The opponents' actions: one batched forward pass per distinct opponent (latest or a
    pool snapshot) over the envs that play it; a scripted team per env for SCRIPTED."""

    def __init__(self, model: TeamPolicy, pool: OpponentPool, *dims: int):
        self.model, self.pool, self.dims, self.nets = model, pool, dims, {}
        self.scripted: list = []

    def add_scripted(self, spec: str, envs) -> None:
        """One scripted agent per env (it keeps per-game state, e.g. who is retreating)."""
        from arena.api import make_agent

        self.scripted = [make_agent(spec, env) for env in envs]

    def new_game(self, e: int, seats: np.ndarray) -> None:
        if self.scripted:
            self.scripted[e].reset([int(s) for s in seats], 0)

    def net(self, snapshot_id: int) -> TeamPolicy:
        if snapshot_id == LATEST:
            return self.model
        if snapshot_id not in self.nets:
            self.nets = {k: v for k, v in self.nets.items() if k in self.pool.ids}
            net = TeamPolicy(*self.dims)
            net.load_state_dict(self.pool.snapshots[self.pool.ids.index(snapshot_id)])
            self.nets[snapshot_id] = net
        return self.nets[snapshot_id]

    @torch.inference_mode()
    def act(self, obs, mask, seats, opponent, actions) -> None:
        for snapshot_id in np.unique(opponent):
            envs = np.flatnonzero(opponent == snapshot_id)[:, None]
            if snapshot_id == SCRIPTED:
                self._act_scripted(obs, mask, seats, envs[:, 0], actions)
                continue
            o, m, s = obs[envs, seats[envs[:, 0]]], mask[envs, seats[envs[:, 0]]], seats[envs[:, 0]]
            m = to_t(m).flatten(0, 1)
            if snapshot_id == RANDOM:
                logits = torch.zeros(m.shape).masked_fill(~m, MASKED)
            else:
                logits = self.net(snapshot_id).logits(to_t(o).flatten(0, 1), to_t(s).flatten(), m)
            a, _ = sample(logits)
            actions[envs, s] = a.view(len(envs), -1).numpy()

    def _act_scripted(self, obs, mask, seats, envs, actions) -> None:
        for e in envs:
            views = {int(s): _Seen(int(s), obs[e, s], np.flatnonzero(mask[e, s]).tolist()) for s in seats[e]}
            for seat, action in self.scripted[e].act_team(views).items():
                actions[e, seat] = action


@dataclass
class _Seen:
    """What a scripted agent reads of an Observation, taken from the batched arrays."""

    seat: int
    tensor: np.ndarray
    legal_actions: list[int]


class Progress:
    """A rich progress bar over the budget, showing the latest return or score; off a
    terminal (logs, CI) one line per evaluation (or every `every` iterations without
    evaluations) with every field named, since a bar prints nothing into a log."""

    def __init__(self, enabled: bool, title: str, every: int = 50):
        import sys

        from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        self.title, self.every = title, every
        self.lines = enabled and not sys.stderr.isatty()
        self.bar = RichProgress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                                TimeElapsedColumn(), TextColumn("{task.fields[info]}"),
                                disable=not enabled or self.lines)
        self.task = self.bar.add_task(title, total=1.0, info="")
        self.bar.start()

    def update(self, fraction: float, m: dict[str, Any]) -> None:
        info = f"step {m['step']:,}  {m['sps']} steps/s"
        if m.get("episode_return") is not None:
            info += f"  return {m['episode_return']:.2f}"
        evals = [f"{k[5:-6]} {v:.2f}" for k, v in m.items() if k.startswith("eval_") and k.endswith("_score")]
        self.bar.update(self.task, completed=min(fraction, 1.0), info=info + ("  " + ", ".join(evals) if evals else ""))
        if self.lines and (evals or m["iteration"] % self.every == 0):
            import sys

            sys.stderr.write(describe(self.title, m) + "\n")
            sys.stderr.flush()

    def close(self) -> None:
        self.bar.stop()


def describe(title: str, m: dict[str, Any]) -> str:
    """One iteration's metrics by name: throughput, the mean return of finished episodes, the
    PPO losses (policy-gradient, value), entropy, approximate KL and clip fraction of the
    update, self-play scores against the latest policy, the snapshot pool, random and the
    scripted team, and evaluation scores against each --eval agent."""
    named = {"episode_return": "episode return", "pg_loss": "policy loss", "v_loss": "value loss",
             "entropy": "entropy", "approx_kl": "approx KL", "clipfrac": "clip fraction",
             "score_vs_latest": "score vs latest", "score_vs_pool": "score vs pool",
             "score_vs_random": "score vs random", "score_vs_scripted": "score vs scripted"}
    fields = [f"{label} {m[key]:.3f}" for key, label in named.items() if m.get(key) is not None]
    evals = [f"vs {k[5:-6]} {v:.2f}" for k, v in m.items() if k.startswith("eval_") and k.endswith("_score")]
    return (f"[{time.strftime('%H:%M:%S', time.gmtime(m['elapsed']))}] {title}: iteration {m['iteration']}, step {m['step']:,} ({m['sps']:,} steps/s), "
            + ", ".join(fields) + (" | evaluation: " + ", ".join(evals) if evals else ""))


# -- command line ------------------------------------------------------------------------------


@trainer_command("ppo", default_steps=1_000_000)
def command(options: Options):
    """PPO: magnetic mirror descent self-play on turn-based two-player zero-sum games
    (exploitability measured where the game can be enumerated); team PPO (OpenAI Five style) on
    simultaneous-move envs: self-play for team-vs-team, cooperative otherwise."""
    from arena.api import make_env
    from arena.envs.base import TURN_BASED

    env = make_env(options.env_id)
    if env.info.kind == TURN_BASED:
        from arena_ppo.turns import run_turn_based

        return run_turn_based(options, env)
    if options.workers != 1:
        raise ArenaError(f"team ppo runs in one process; --workers must be 1, not {options.workers}")
    args = Args(env_id=options.env_id, minutes=options.minutes, cpu_minutes=options.cpu_minutes,
                steps=options.steps, out=str(options.out), seed=options.seed, resume=options.resume,
                store=options.db, progress=options.progress)
    return train(dataclasses.replace(args, **overrides_for(Args, options.overrides)))
