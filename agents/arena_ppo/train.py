"""Team PPO in the style of OpenAI Five, written CleanRL-style: one flat loop, read top to bottom.

One shared policy plays every hero of a team (seat one-hot input); a centralised critic may
see the global state (MAPPO). Per-hero rewards are zero-summed between teams and blended
with the team mean by the team spirit τ (0.3 → 1.0). In team-vs-team envs the learner plays
80 % of its games against its latest self and 20 % against past snapshots drawn by quality,
after small shares against uniform random play and a fixed scripted team (as OpenAI Five met
scripted bots early); only the learning side's data is trained on. Cooperative envs (one team)
need no opponent. Whom the learner plays is the League's business (league.py); budget, metrics,
checkpoints and evaluation games the trainer kit's (arena.training.Run).

    arena train ppo mpe2/simple_spread_v3 --steps 1500000 --out runs/spread
    arena train ppo fivehero/5v5 --minutes 60 --out runs/five
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from arena.envs.base import parse_env_id
from arena.errors import ArenaError
from arena.training import Options, Run, overrides_for, trainer_command
from arena_ppo import checkpoint as ckpt
from arena_ppo.league import League
from arena_ppo.model import TeamPolicy, logp_entropy, sample
from arena_ppo.vec import make_vec_env, worker_cpu


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
    workers: int = 1
    """processes that step the envs (num_envs split between them, in parallel); the policy's
    forward passes and the update stay in the trainer's process"""
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
    each game goes into `store` (an arena.store.Store) when given, with the policy as `name`.
    In envs whose players can be eliminated (magent2 battle), also the opponent's seats killed
    and the policy's lost per game (`kills`, `deaths`)."""
    from arena.api import make_agent, make_env
    from arena.referee import play
    from arena_ppo.agent import PPOAgent

    env = make_env(env_id)
    me, other = PPOAgent.from_model(env.info, model), make_agent(spec, env)
    scores, kills, deaths = [], [], []
    for game in range(games):
        side = game % 2
        agents = [me, other] if side == 0 else [other, me]
        record = play(env, agents, seed=seed + game, names=[name, spec][::1 if side == 0 else -1])
        scores.append(record.scores[side])
        gone = env.eliminated()  # the game's final state is still in env
        if gone is not None:
            kills.append(len(set(gone) & set(record.sides[1 - side])))
            deaths.append(len(set(gone) & set(record.sides[side])))
        if store is not None:
            store.record_game(tournament, env_id, record)
    score = float(np.mean(scores))
    clipped = min(max(score, 0.5 / games), 1 - 0.5 / games)
    result = {"score": score, "wins": int(sum(s == 1 for s in scores)), "games": games,
              "elo_diff": 400 * math.log10(clipped / (1 - clipped))}
    if kills:  # players can die (magent2 battle): a battle won by never attacking shows here
        result.update(kills=float(np.mean(kills)), deaths=float(np.mean(deaths)))
    return result


# -- the loop ----------------------------------------------------------------------------------


@dataclass
class Rollout:
    """One iteration's samples, time × env × learning seat (the critic's global state per env)."""

    obs: np.ndarray
    mask: np.ndarray
    alive: np.ndarray
    seat: np.ndarray
    state: np.ndarray
    action: np.ndarray
    logp: np.ndarray
    value: np.ndarray
    reward: np.ndarray
    done: np.ndarray

    @classmethod
    def empty(cls, T: int, E: int, K: int, D: int, A: int, S: int) -> Rollout:
        f32, i64 = np.float32, np.int64
        return cls(np.zeros((T, E, K, D), f32), np.zeros((T, E, K, A), bool), np.zeros((T, E, K), f32),
                   np.zeros((T, E, K), i64), np.zeros((T, E, max(S, 1)), f32), np.zeros((T, E, K), i64),
                   np.zeros((T, E, K), f32), np.zeros((T, E, K), f32), np.zeros((T, E, K), f32),
                   np.zeros((T, E), f32))


def train(args: Args) -> dict[str, Any]:
    """Train; the last metrics row. Budget, metrics, checkpoints and evaluation games go through
    the trainer kit's Run (arena.training); whom the learner plays, through the League."""
    torch.set_num_threads(1)
    options = Options(args.env_id, Path(args.out), args.minutes, args.cpu_minutes, args.steps, args.seed,
                      args.resume, args.store, args.workers, (), args.progress)
    options.check()
    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    with contextlib.ExitStack() as cleanup:
        vec = make_vec_env(args.env_id, args.num_envs, args.seed, args.workers)
        cleanup.callback(vec.close)
        info, sides = vec.info, vec.info.sides
        selfplay = self_play_sides(info)
        T, E, K, N, D, A = args.rollout, args.num_envs, len(sides[0]), info.num_seats, vec.obs_dim, info.num_actions
        S = vec.state_dim if args.central_critic else 0
        model = TeamPolicy(D, N, A, S, args.hidden)
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, eps=1e-5)
        league = League(args, sides, model, (D, N, A, S, args.hidden), vec.envs, rng)

        eval_env = args.eval_env_id or parse_env_id(args.env_id)[0]
        eval_specs = [s for s in args.eval_opponents.split(",") if s.strip() and _can_play(s, eval_env)] if selfplay else []

        def evaluate_all(model: TeamPolicy, name: str, store, tournament: str) -> dict[str, Any]:
            row = {}
            for spec in eval_specs:
                result = evaluate(model, eval_env, spec, args.eval_games, seed=args.seed * 100_003 + run.iteration,
                                  name=name, store=store, tournament=tournament)
                row.update({f"eval_{spec}_{k}": v for k, v in result.items()})
            return row

        run = Run("ppo", options, lambda m: {"format": ckpt.FORMAT, **ckpt.model_spec(m, info, args.hidden),
                                             "args": dataclasses.asdict(args)},
                  default_steps=1_000_000, checkpoint_every=args.checkpoint_every, eval_iterations=args.eval_every,
                  evaluate=evaluate_all if eval_specs else None, describe=describe, log_every=args.eval_every)
        cleanup.callback(run.close)  # an interrupted run still leaves a usable last checkpoint
        run.restore(model=model, optimizer=optimizer, pool=league.pool)
        budget = run.budget
        budget.count_cpu_of(worker_cpu(vec))

        buf = Rollout.empty(T, E, K, D, A, S)
        rows = np.arange(E)[:, None]
        obs, mask, alive, state = vec.observe(league.learn_side if S else None)
        done = np.zeros(E, bool)
        while budget.fraction() < 1.0:
            frac = budget.fraction()
            tau = _lerp(args.tau_start, args.tau_end, frac)
            ent_coef = _lerp(args.ent_coef, args.ent_coef_final, frac)
            shaping = _lerp(args.shaping, _default(args.shaping_final, args.shaping), frac) if selfplay else 1.0
            optimizer.param_groups[0]["lr"] = args.lr * (1.0 - frac)
            episode_returns = []

            # 1. Rollout: the learner's seats act from the current policy, the others from the league.
            for t in range(T):
                seats = league.learner_seats()  # (E, K)
                buf.obs[t], buf.mask[t], buf.alive[t], buf.seat[t] = obs[rows, seats], mask[rows, seats], alive[rows, seats], seats
                if S:
                    buf.state[t] = state
                buf.done[t] = done
                with torch.inference_mode():
                    o, s, m = to_t(buf.obs[t]).view(E * K, D), to_t(buf.seat[t]).view(-1), to_t(buf.mask[t]).view(E * K, A)
                    action, logp = sample(model.logits(o, s, m))
                    value = model.value(o, s, to_t(buf.state[t]).repeat_interleave(K, 0) if S else None)
                buf.action[t], buf.logp[t], buf.value[t] = action.view(E, K), logp.view(E, K), value.view(E, K)
                actions = np.zeros((E, N), np.int64)
                actions[rows, seats] = buf.action[t]
                league.opponent_actions(obs, mask, actions)
                rho, done, finished = vec.step(actions)
                rho = weigh_shaping(rho, finished, sides, shaping)
                buf.reward[t] = shape_rewards(rho, sides, tau, args.zero_sum)[rows, seats]
                budget.add_steps(E)
                for game in finished:
                    side = league.learn_side[game.env]
                    episode_returns.append(np.mean([game.returns[s] for s in sides[side]]))
                    if league.game_over(game) == 0.5:
                        buf.reward[t, game.env] -= args.draw_penalty
                obs, mask, alive, state = vec.observe(league.learn_side if S else None)

            # 2. Advantages (GAE) over each learning seat's own chain of steps.
            seats = league.learner_seats()
            with torch.inference_mode():
                st = to_t(state).repeat_interleave(K, 0) if S else None
                next_value = model.value(to_t(obs[rows, seats]).view(E * K, D), to_t(seats).view(-1), st).view(E, K).numpy()
            advantages, returns = compute_gae(buf.reward, buf.value, buf.done[..., None], next_value,
                                              done[:, None].astype(np.float32), args.gamma, args.gae_lambda)

            # 3. PPO update on the learner's samples; dead heroes count for the critic only.
            model.value_norm.update(to_t(returns))
            flat = lambda x, *shape: to_t(x).reshape(T * E * K, *shape)  # noqa: E731
            b_obs, b_seat, b_mask, b_action = flat(buf.obs, D), flat(buf.seat), flat(buf.mask, A), flat(buf.action)
            b_state = to_t(buf.state[:, :, None, :S].repeat(K, 2)).reshape(T * E * K, S) if S else None
            b_logp, b_value, b_adv, b_ret, b_alive = flat(buf.logp), flat(buf.value), flat(advantages), flat(returns), flat(buf.alive)
            stats = []
            for _ in range(args.epochs):
                for mb in torch.randperm(T * E * K).chunk(args.minibatches):
                    logits = model.logits(b_obs[mb], b_seat[mb], b_mask[mb])
                    new_logp, entropy = logp_entropy(logits, b_action[mb])
                    ratio = (new_logp - b_logp[mb]).exp()
                    w = b_alive[mb]
                    adv = b_adv[mb]
                    adv_mean = masked_mean(adv, w)
                    adv = (adv - adv_mean) / (masked_mean((adv - adv_mean) ** 2, w).sqrt() + 1e-8)
                    pg_loss = masked_mean(torch.max(-adv * ratio, -adv * ratio.clamp(1 - args.clip, 1 + args.clip)), w)
                    entropy_mean = masked_mean(entropy, w)
                    v_new = model.value_normalized(b_obs[mb], b_seat[mb], b_state[mb] if S else None)
                    target = model.value_norm(b_ret[mb].unsqueeze(-1)).squeeze(-1)
                    v_old = model.value_norm(b_value[mb].unsqueeze(-1)).squeeze(-1)
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
            model.obs_norm.update(to_t(buf.obs.reshape(-1, D)[buf.alive.reshape(-1) > 0]))
            if S:
                model.state_norm.update(to_t(buf.state[:, :, :S].reshape(-1, S)))

            # 4. Logging: the league's scores and snapshot, then the kit's metrics line,
            # checkpoints and evaluation games.
            pg, vl, ent, kl, cf = np.mean(stats, axis=0)
            metrics = {"tau": round(tau, 3), "shaping": round(shaping, 3), "lr": optimizer.param_groups[0]["lr"],
                       "pg_loss": pg, "v_loss": vl, "entropy": ent, "approx_kl": kl, "clipfrac": cf,
                       "episodes": len(episode_returns), "episode_return": _mean(episode_returns),
                       **league.end_iteration(run.iteration + 1, model)}
            run.end_iteration(metrics, model, optimizer=optimizer, pool=league.pool)
    return run.last


def _lerp(start: float, end: float, fraction: float) -> float:
    return start + (end - start) * fraction


def _default(value: float | None, default: float) -> float:
    return default if value is None else value


def _mean(xs: list[float]) -> float | None:
    return float(np.mean(xs)) if xs else None


def _can_play(spec: str, env_id: str) -> bool:
    from arena.agents import parse_agent_spec
    from arena.api import cannot_play, make_env
    from arena.plugins import get_registry

    name = parse_agent_spec(spec)[0]
    return get_registry().find("agents", name) is not None and cannot_play(name, make_env(env_id).info) is None


def describe(title: str, m: dict[str, Any]) -> str:
    """One iteration's metrics by name: throughput, the mean return of finished episodes, the
    PPO losses (policy-gradient, value), entropy, approximate KL and clip fraction of the
    update, self-play scores against the latest policy, the snapshot pool, random and the
    scripted team, and evaluation scores against each --eval agent (with the enemies killed
    per game where players can die)."""
    named = {"episode_return": "episode return", "pg_loss": "policy loss", "v_loss": "value loss",
             "entropy": "entropy", "approx_kl": "approx KL", "clipfrac": "clip fraction",
             "score_vs_latest": "score vs latest", "score_vs_pool": "score vs pool",
             "score_vs_random": "score vs random", "score_vs_scripted": "score vs scripted"}
    fields = [f"{label} {m[key]:.3f}" for key, label in named.items() if m.get(key) is not None]
    evals = [f"vs {k[5:-6]} {v:.2f}" + (f" ({m[k[:-6] + '_kills']:.1f} kills/game)" if k[:-6] + "_kills" in m else "")
             for k, v in m.items() if k.startswith("eval_") and k.endswith("_score")]
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
    args = Args(env_id=options.env_id, minutes=options.minutes, cpu_minutes=options.cpu_minutes,
                steps=options.steps, out=str(options.out), seed=options.seed, resume=options.resume,
                store=options.db, workers=options.workers, progress=options.progress)
    return train(dataclasses.replace(args, **overrides_for(Args, options.overrides)))
