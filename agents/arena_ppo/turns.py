"""PPO for turn-based two-player zero-sum games (OpenSpiel, PettingZoo classic): magnetic mirror
descent, written CleanRL-style: one loop, read top to bottom.

Plain self-play PPO cycles in games of imperfect information (the best response to a fixed
policy is usually deterministic). Magnetic mirror descent (Sokota et al. 2022, "A Unified
Approach to Reinforcement Learning, Quantal Response Equilibria, and Two-Player Zero-Sum
Games", §4 and the deep-RL variant of §5) adds to PPO's proximal step a KL penalty towards a
*magnet* policy: each update solves approximately

    max_π  E_π[A] − α KL(π ‖ ρ) − (1/η) KL(π ‖ π_old)        (PPO's clip stands in for the last term)

whose fixed point is the quantal response ρ·exp(Q/α) around the magnet. The magnet follows the
policy slowly (ρ ← Polyak average of the network's parameters, rate `magnet_rate`), so the
fixed points march towards a Nash equilibrium and the last iterate converges, where plain
self-play would orbit it. The policy sees each seat's information-state tensor (perfect recall)
and the seat; illegal actions are masked. Both seats are played by the current policy; a share
of games (`pool_fraction`) puts a past snapshot in one seat, and only the learner's decisions
are trained on in those. Games small enough to enumerate report exact exploitability.

    arena train ppo openspiel/kuhn_poker --cpu-minutes 5 --out runs/kuhn
    arena exploitability ppo:checkpoint=runs/kuhn/latest.pt openspiel/kuhn_poker
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from arena import Agent, Observation, make_agent
from arena.envs.base import TURN_BASED
from arena.errors import ArenaError
from arena_ppo.averaging import DistilledAverage
from arena_ppo.model import TeamPolicy, logp_entropy, sample


@dataclass
class TurnArgs:
    env_id: str = "openspiel/kuhn_poker"
    """arena env id: a turn-based two-player zero-sum game"""
    num_envs: int = 256
    """games played side by side, with one batched forward pass per move"""
    batch: int = 4096
    """decisions (of finished games) per update"""
    batch_final: int | None = None
    """decisions per update at the end of the budget, reached geometrically (default: `batch`):
    small batches while α is large and the policy moves far, large ones late, where α pulls
    weakly and the sampled steps' noise is what keeps the policy off the equilibrium (on Leduc,
    4,096 → 32,768 ended at 0.138 against a constant 8,192's 0.121; docs/results.md)"""
    epochs: int = 4
    """passes over each batch"""
    minibatches: int = 4
    """minibatches per epoch"""
    lr: float = 1e-3
    """Adam learning rate, annealed linearly to `lr_final`"""
    lr_final: float = 0.0
    """learning rate at the end of the budget: Adam's step does not shrink as the gradient
    vanishes near an equilibrium, so the policy jitters at an amplitude set by the rate"""
    adam_eps: float = 1e-5
    """Adam's ε; a large one (1e-3) makes the step shrink with the gradient (SGD-like) near
    an equilibrium instead of keeping a length of about `lr` (on Leduc: slower, same drift)"""
    gamma: float = 1.0
    """discount between a seat's own decisions"""
    gae_lambda: float = 1.0
    """λ of generalised advantage estimation along a seat's decisions (1: Monte Carlo returns)"""
    clip: float = 0.2
    """PPO ratio clip ε: the proximal term of the mirror-descent step. The magnet term is not
    clipped, so a clip that binds often pulls the step towards the magnet (on Leduc 0.05 bound
    on 2 % of decisions and left the average 0.07 more exploitable than 0.2 did)"""
    magnet_coef: float = 0.1
    """α: weight of KL(π ‖ magnet), in units of the scaled returns (the temperature of the
    quantal response; 0.1 is Kuhn's 0.2 chips)"""
    magnet_coef_final: float | None = None
    """α at the end of the budget; default: `magnet_coef`"""
    magnet_schedule: str = "linear"
    """how α goes from `magnet_coef` to `magnet_coef_final`: "linear" or "geometric" (equal
    time per halving: with a fixed magnet the policy tracks the quantal-response path, whose
    exploitability is about proportional to α and whose tracking slows as α shrinks, so the
    small values need the time)"""
    final_at: float = 1.0
    """share of the budget after which α, the averaging rate and the batch stay at their
    `*_final` values (the learning rate still anneals over the whole budget): time at the
    final α for the average to catch up with a policy that no longer moves away"""
    magnet_rate: float = 0.01
    """rate at which the magnet's parameters move towards the policy's, every `magnet_every`
    updates (1.0: the magnet becomes a copy of the policy)"""
    soft_returns: bool = False
    """a seat's returns carry −α log(π(a)/ρ(a)) of each of its later decisions (R-NaD's reward
    transform; the dilated KL of sequence-form MMD), so the regulariser is not myopic (on
    Leduc it did not stop the late drift; docs/results.md)"""
    magnet_with_lr: bool = False
    """scale `magnet_rate` by lr / `lr` as the learning rate anneals, so that the magnet does
    not outrun a policy whose steps shrink"""
    magnet_every: int = 1
    """updates between magnet moves; with `magnet_rate` 1 the magnet is a frozen snapshot of
    the policy replaced every `magnet_every` updates (R-NaD's regularisation policy): each
    stretch solves the game regularised towards a fixed policy, a proximal-point step"""
    average_rate: float = 0.0
    """rate of an exponential moving average of the policy's parameters, moved after every
    update (0: off). The checkpoint plays the average, and `exploitability` is the average's
    (`iterate_exploitability` the last iterate's): near an equilibrium the sampled steps
    jitter the iterate around the fixed point, and Polyak averaging takes the jitter out"""
    average_rate_final: float | None = None
    """average rate at the end of the budget, reached geometrically (default: `average_rate`):
    a longer window late in the run, where α changes slowly and the jitter is what is left"""
    average_by: str = "parameters"
    """how the average is kept: "parameters", an exponential moving average of the network's
    weights (Polyak); or "distillation", a second network trained to play the iterates' action
    distributions at the states they met over the last 1/`average_rate` updates: the average
    policy, which averaging a nonlinear network's weights is not (arena_ppo.averaging)"""
    distill_rows: int = 1024
    """with distillation: states of each update kept for the average network"""
    distill_steps: int = 2
    """with distillation: the average network's minibatch steps per update"""
    distill_lr: float = 3e-4
    """with distillation: the average network's Adam learning rate"""
    distill_lr_final: float | None = None
    """with distillation: its learning rate at the end of the budget, reached linearly as the
    policy's (default: `distill_lr`); a constant rate leaves the average network jittering
    about the window's average by its own fitting noise"""
    all_actions: bool = False
    """the critic learns Q(h, a) of every action from the returns of the actions taken (h: the
    central critic's view, both hands in poker) and the policy step uses every legal action's
    Q instead of one sampled return: max_π Σ_a π(a)(Q(h,a) − V) − α KL(π‖ρ) − KL(π‖π_old)/η,
    the mirror-descent step of MMD (Sokota et al. 2022) in its all-actions form"""
    explore: float = 0.0
    """share of moves drawn uniformly among the legal actions (annealed to 0 over the budget),
    with `all_actions` only (its policy step needs no sampled action; the critic's returns
    are biased by it). On Leduc the best responder's gains lie on the policy's own path, and
    exploration only slowed learning"""
    step_size: float = 1.0
    """η of the all-actions step, in units of the scaled returns (its KL(π‖π_old) weighs 1/η)"""
    normalize_inputs: bool = True
    """standardise observations and critic states by running statistics (for binary
    information-state tensors the statistics of rare features keep moving; switching it off
    did not change the Leduc picture)"""
    reward_scale: float = 0.0
    """returns are divided by this before learning; 0: the game's largest absolute utility
    (OpenSpiel's max_utility, else 1), so α, the clip and the critic see returns in [-1, 1]
    whatever the game's stakes (Kuhn ±2, Leduc ±13)"""
    ent_coef: float = 0.0
    """entropy bonus (KL to a uniform magnet is the same term; the moving magnet replaces it)"""
    vf_coef: float = 0.5
    """weight of the value loss"""
    max_grad_norm: float = 0.5
    """gradient-norm clip"""
    hidden: int = 128
    """width of the two hidden layers of actor and critic (of the one after the convolutions
    with `conv_channels`)"""
    conv_channels: int = 0
    """channels of three 3×3 convolutions over a board game's board (observations of shape
    (C, H, W), or (H, W, C) as PettingZoo's), for actor and critic; 0: a two-layer MLP over
    the flat observation"""
    central_critic: bool = True
    """the critic also sees every seat's view (the whole history in two-player poker): a
    baseline that may depend on hidden information but not on the action keeps the gradient
    unbiased and takes out the variance of the cards the seat cannot see (as in MAPPO)"""
    pool_fraction: float = 0.0
    """share of games in which a past snapshot plays one seat (0 for imperfect-information
    games: training against old selves biases the mirror-descent step; see docs/training.md)"""
    opponents: str = ""
    """fixed agents (specs, comma-separated, e.g. "random,mcts:sims=100") that play one seat,
    drawn uniformly, in a share `opponent_fraction` of games; only the learner's moves are
    trained on (as team PPO's random and scripted shares: self-play alone narrows to the lines
    it produces itself, and other players lead it elsewhere)"""
    opponent_fraction: float = 0.0
    """share of games against one of `opponents`"""
    snapshot_every: int = 20
    """updates between snapshots added to the opponent pool"""
    pool_capacity: int = 20
    """snapshots kept (oldest dropped)"""
    exploitability_every: float = 15.0
    """seconds of training between exact exploitability measurements (enumerable games only)"""
    eval_every: float = 300.0
    """seconds of training between evaluation rounds (games stored, iter_*.pt kept)"""
    eval_games: int = 20
    """games per evaluation opponent, half on each side"""
    eval_opponents: str = "random,cfr,mcts:sims=100"
    """agent specs to evaluate against (those that cannot play the game are skipped)"""


def chain_gae(rewards: np.ndarray, values: np.ndarray, gamma: float, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Advantages and returns along one seat's decisions in one finished game (the game ends
    after the last): δ_i = r_i + γ V_{i+1} − V_i with V_{k} = 0, A_i = δ_i + γλ A_{i+1}
    (Schulman et al. 2016, eq. 16)."""
    advantages = np.zeros(len(rewards), dtype=np.float32)
    last, value_next = 0.0, 0.0
    for i in reversed(range(len(rewards))):
        delta = rewards[i] + gamma * value_next - values[i]
        last = delta + gamma * lam * last
        advantages[i], value_next = last, values[i]
    return advantages, advantages + values


def schedule_at(args: TurnArgs, frac: float) -> float:
    """How far along α's, the averaging rate's and the batch's schedules `frac` of the budget is."""
    if not 0.0 < args.final_at <= 1.0:
        raise ArenaError(f"final_at must be in (0, 1], a share of the budget; got {args.final_at}")
    return min(1.0, frac / args.final_at)


def magnet_coef_at(args: TurnArgs, frac: float) -> float:
    """α after `frac` of its schedule."""
    start = args.magnet_coef
    end = start if args.magnet_coef_final is None else args.magnet_coef_final
    if args.magnet_schedule == "linear":
        return start + (end - start) * frac
    if args.magnet_schedule == "geometric" and start > 0 and end > 0:
        return _geometric(start, end, frac)
    raise ArenaError(f"magnet_schedule must be linear, or geometric with magnet_coef and magnet_coef_final "
                     f"above 0; got {args.magnet_schedule} from {start} to {end}")


def average_rate_at(args: TurnArgs, frac: float) -> float:
    """The averaging rate after `frac` of its schedule: geometric from `average_rate` to
    `average_rate_final` (equal time per halving of the rate, as α's geometric schedule)."""
    end = args.average_rate if args.average_rate_final is None else args.average_rate_final
    if args.average_rate != end and not (0.0 < args.average_rate <= 1.0 and 0.0 < end <= 1.0):
        raise ArenaError(f"average_rate and average_rate_final must be in (0, 1] to schedule the average; "
                         f"got {args.average_rate} and {end}")
    if args.average_by not in ("parameters", "distillation"):
        raise ArenaError(f"average_by must be parameters or distillation; got {args.average_by}")
    return _geometric(args.average_rate, end, frac)


def batch_at(args: TurnArgs, frac: float) -> int:
    """Decisions per update after `frac` of its schedule: geometric from `batch` to `batch_final`."""
    end = args.batch if args.batch_final is None else args.batch_final
    if args.batch < 1 or end < 1:
        raise ArenaError(f"batch and batch_final must be at least 1; got {args.batch} and {end}")
    return round(_geometric(args.batch, end, frac))


def _geometric(start: float, end: float, frac: float) -> float:
    return start if start == end else start * (end / start) ** frac


def opponent_specs(args: TurnArgs) -> list[str]:
    """The fixed training opponents' specs; a share without opponents, or out of [0, 1], is refused."""
    specs = [s.strip() for s in args.opponents.split(",") if s.strip()]
    if not 0.0 <= args.opponent_fraction <= 1.0 or (args.opponent_fraction > 0 and not specs):
        raise ArenaError(f"opponent_fraction must be from 0 to 1, with opponents=SPEC,... to play; got "
                         f"{args.opponent_fraction} with opponents={args.opponents!r}")
    return specs


def check_trainable(info, env) -> None:
    """One-line refusal unless the env is turn-based, two-player and (where declared) zero-sum."""
    if info.kind != TURN_BASED:
        raise ArenaError(f"turn-based ppo needs a turn-based game; {info.id} is {info.kind}")
    if info.num_seats != 2 or len(info.sides) != 2:
        raise ArenaError(f"ppo self-play needs a two-player zero-sum game; {info.id} has "
                         f"{info.num_seats} players")
    game = getattr(env, "game", None)
    if game is not None:  # OpenSpiel declares its utility; PettingZoo is checked game by game
        import pyspiel

        utility = game.get_type().utility
        if utility not in (pyspiel.GameType.Utility.ZERO_SUM, pyspiel.GameType.Utility.CONSTANT_SUM):
            raise ArenaError(f"ppo self-play needs a two-player zero-sum game; {info.id} is "
                             f"{utility.name.lower().replace('_', '-')}")


def exploitability_of(env, model: TeamPolicy) -> float | None:
    """Exact exploitability of the model's policy, or None where the game cannot be enumerated."""
    from arena_ppo.agent import PPOAgent

    try:
        return env.exploitability(PPOAgent.from_model(env.info, model).action_probabilities)
    except ArenaError:
        return None


def max_utility(env) -> float:
    """The largest absolute return of a game: OpenSpiel declares it; 1 for other games."""
    game = getattr(env, "game", None)
    if game is None:
        return 1.0
    return float(max(abs(game.max_utility()), abs(game.min_utility()))) or 1.0


def measurable(env) -> bool:
    """Whether the env computes exploitability exactly (it refuses games it cannot enumerate)."""
    try:
        env.check_exploitability()
        return True
    except ArenaError:
        return False


class TurnEnvs:
    """Games number `indices` of a run, stepped in this process. Each game draws its seeds
    from its own generator (run seed, game number), so the games are the same however they
    are split over worker processes. A share `fraction` of games (drawn the same way) puts
    one of the fixed agents `opponents` in one seat; its moves are played here, so the trainer
    only ever sees the learner to move."""

    def __init__(self, env_id: str, indices, seed: int, opponents: Sequence[str] = (), fraction: float = 0.0):
        from arena.api import make_env

        self.envs = [make_env(env_id) for _ in indices]
        self.obs_dim = int(np.prod(self.envs[0].info.observation_shape))
        self.rngs = [np.random.default_rng([seed, int(i)]) for i in indices]
        self.specs, self.fraction = list(opponents), fraction
        self.fixed: list[dict[int, Agent]] = [{} for _ in self.envs]  # per game: spec index -> agent
        self.versus = np.full((len(self.envs), 2), -1)  # per game: (spec index, its seat); -1: self-play
        for e in range(len(self.envs)):
            self.reset(e)

    def reset(self, e: int) -> None:
        self._new_game(e)
        while self.envs[e].is_over():  # a game decided before the learner moves teaches nothing
            self._new_game(e)

    def _new_game(self, e: int) -> None:
        env, rng = self.envs[e], self.rngs[e]
        env.reset(int(rng.integers(2**31 - 1)))
        self.versus[e] = -1
        if self.specs and rng.random() < self.fraction:
            spec, seat = int(rng.integers(len(self.specs))), int(rng.integers(2))
            if spec not in self.fixed[e]:  # one agent per game slot: its state and draws stay its own
                self.fixed[e][spec] = make_agent(self.specs[spec], self.envs[e])
            self.fixed[e][spec].reset((seat,), int(rng.integers(2**31 - 1)))
            self.versus[e] = spec, seat
            self._play_fixed(e)

    def _play_fixed(self, e: int) -> None:
        """The fixed agent's moves, until the learner is to move or the game is over."""
        spec, seat = self.versus[e].tolist()
        env = self.envs[e]
        while spec >= 0 and not env.is_over() and env.to_move()[0] == seat:
            agent = self.fixed[e][spec]
            env.step({seat: int(agent.act(Observation(env, seat, None, agent.needs_forward_model)))})

    def observe(self, central: bool):
        """Seat to move (E,), its observation (E, D), legal mask (E, A), for a central critic
        both seats' observations side by side (E, 2D), the mover's first (else None), and each
        game's fixed opponent (E, 2): its index in `opponents` and its seat, -1 in self-play."""
        seats = np.array([env.to_move()[0] for env in self.envs])
        D, A = self.obs_dim, self.envs[0].info.num_actions
        views = np.empty((len(self.envs), 2 * D if central else D), dtype=np.float32)
        mask = np.empty((len(self.envs), A), dtype=bool)
        for e, (env, seat) in enumerate(zip(self.envs, seats.tolist())):  # rows filled in place: this
            views[e, :D] = env.observation(seat).ravel()                   # loop runs every move
            if central:
                views[e, D:] = env.observation(1 - seat).ravel()
            mask[e] = env.legal_mask(seat)
        return seats, np.ascontiguousarray(views[:, :D]), mask, views if central else None, self.versus.copy()

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One move in every game: each seat's returns so far (E, 2) and whether the game
        ended (E,); an ended game is reset at once (its final returns are the ones reported)."""
        returns, over = np.zeros((len(self.envs), 2)), np.zeros(len(self.envs), dtype=bool)
        for e, env in enumerate(self.envs):
            env.step({env.to_move()[0]: int(actions[e])})
            self._play_fixed(e)
            returns[e], over[e] = env.returns(), env.is_over()
            if over[e]:
                self.reset(e)
        return returns, over

    def close(self) -> None:
        for env in self.envs:
            env.close()


class WorkerTurnEnvs:
    """TurnEnvs split over `workers` spawned processes that step in parallel: the same games
    and data as one TurnEnvs of them all."""

    def __init__(self, env_id: str, num_envs: int, seed: int, workers: int, opponents: Sequence[str] = (),
                 fraction: float = 0.0):
        from arena_ppo.vec import Workers, split

        self.ranges = split(num_envs, workers)
        self.workers = Workers(TurnEnvs, [(env_id, range(a, b), seed, opponents, fraction) for a, b in self.ranges])

    def observe(self, central: bool):
        parts = self.workers.call("observe", [(central,)] * len(self.ranges))
        return tuple(None if part is None else np.concatenate([p[k] for p in parts]) for k, part in enumerate(parts[0]))

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        parts = self.workers.call("step", [(actions[a:b],) for a, b in self.ranges])
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def close(self) -> None:
        self.workers.close()


class Games:
    """`num_envs` games in progress (in this process, or split over `workers`): each move's
    decision is kept until its game ends, then its seat's chain of decisions gets its
    advantages (only the learner's seats are kept)."""

    def __init__(self, env_id: str, n: int, seed: int, reward_scale: float = 0.0, workers: int = 1,
                 opponents: Sequence[str] = (), opponent_fraction: float = 0.0):
        from arena.api import make_env

        self.local = make_env(env_id)  # for the game's facts; never stepped
        self.info = self.local.info
        self.scale = reward_scale or max_utility(self.local)
        self.obs_dim = int(np.prod(self.info.observation_shape))
        self.opponents = list(opponents)  # the fixed agents' specs, by the index `versus` holds
        fixed = (self.opponents, opponent_fraction)
        self.envs = TurnEnvs(env_id, range(n), seed, *fixed) if workers == 1 else \
            WorkerTurnEnvs(env_id, n, seed, workers, *fixed)
        self.trace: list[dict[int, list]] = [{0: [], 1: []} for _ in range(n)]  # env -> seat -> decisions
        self.before = np.zeros((n, 2))  # returns before the last move
        self.opponent = np.full(n, -1)  # pool index playing seat `opp_seat` (-1: none)
        self.opp_seat = np.zeros(n, dtype=int)
        self.versus = np.full((n, 2), -1)  # fixed opponent of the game in progress: (index, seat)

    def observe(self, central: bool):
        seats, obs, mask, state, self.versus = self.envs.observe(central)
        self.opponent[self.versus[:, 0] >= 0] = -1  # a game against a fixed agent has no snapshot in it
        return seats, obs, mask, state

    def step(self, seats, obs, state, mask, actions, logps, values, penalties=None) -> list[tuple[dict, list, int]]:
        """Play one move in every game; returns the finished games' (decisions, returns, env).
        `penalties[e]` (α log π/ρ of this move) is charged to the mover's previous decision,
        whose return covers this one, not to this move's own (its KL is in the loss)."""
        for e, seat in enumerate(seats):
            seat = int(seat)
            if not (self.opponent[e] >= 0 and seat == self.opp_seat[e]):
                if penalties is not None and self.trace[e][seat]:
                    self.trace[e][seat][-1][6] -= float(penalties[e])
                self.trace[e][seat].append([obs[e], seat, mask[e], int(actions[e]), float(logps[e]),
                                            float(values[e]), 0.0, None if state is None else state[e]])
        returns, over = self.envs.step(actions)
        finished = []
        for e, now in enumerate(returns):
            for s in (0, 1):  # a reward belongs to the seat's latest decision
                if self.trace[e][s] and now[s] != self.before[e][s]:
                    self.trace[e][s][-1][6] += (now[s] - self.before[e][s]) / self.scale
            self.before[e] = now
            if over[e]:
                if abs(now.sum()) > 1e-6 and not getattr(self.local, "game", None):
                    raise ArenaError(f"ppo self-play needs a zero-sum game; a game of {self.info.id} "
                                     f"ended with returns {now.tolist()}")
                finished.append((self.trace[e], now.tolist(), e))
                self.trace[e], self.before[e] = {0: [], 1: []}, 0.0
        return finished

    def close(self) -> None:
        self.envs.close()
        self.local.close()


def train_turn_based(args: TurnArgs, run, games: Games) -> dict[str, Any]:
    """The loop; `run` is the trainer kit's run (budget, metrics, checkpoints, evaluation
    games: arena.training)."""
    from arena_ppo.pool import OpponentPool

    torch.set_num_threads(1)
    budget = run.budget
    rng = np.random.default_rng(run.seed)
    torch.manual_seed(run.seed)
    D, A = games.obs_dim, games.info.num_actions
    measure_env = games.local
    can_measure = measurable(measure_env)
    specs = games.opponents

    S = 2 * D if args.central_critic else 0
    model = TeamPolicy(D, 2, A, S, args.hidden, critic_outputs=A if args.all_actions else 1,
                       board=games.info.observation_shape, channels=args.conv_channels)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, eps=args.adam_eps)
    pool = OpponentPool(capacity=args.pool_capacity)
    magnet = copy.deepcopy(model)  # ρ: starts at the (near-uniform) initial policy
    saved: dict[str, Any] = {"optimizer": optimizer, "pool": pool, "magnet": magnet}
    average, distilled = None, None
    if args.average_rate > 0 and args.average_by == "distillation":
        window = math.ceil(1 / min(average_rate_at(args, 0.0), average_rate_at(args, 1.0)))
        distilled = DistilledAverage(model, D, window, args.distill_rows, args.distill_lr, args.distill_steps,
                                     max(1, args.batch // args.minibatches), rng)
        average = distilled.net
        distill_lr_end = args.distill_lr if args.distill_lr_final is None else args.distill_lr_final
        saved["average_optimizer"] = distilled.optimizer
    elif args.average_rate > 0:
        average = copy.deepcopy(model)
    if average is not None:  # the checkpoint plays the average; the iterate is kept beside it
        saved["iterate"] = model
    played = average if average is not None else model
    run.restore(model=played, **saved)
    opponents: dict[int, TeamPolicy] = {}
    last_measured = -np.inf
    best = BestCheckpoint(run)
    measured = None  # the played network's exploitability, if this update measured it

    seats, obs, mask, state = games.observe(bool(S))
    while budget.fraction() < 1.0:
        frac = budget.fraction()
        lr = optimizer.param_groups[0]["lr"] = args.lr + (args.lr_final - args.lr) * frac
        along = schedule_at(args, frac)
        alpha = magnet_coef_at(args, along)
        average_rate = average_rate_at(args, along)
        batch_size = batch_at(args, along)
        explore = args.explore * (1 - frac)
        measured = None

        # 1. Play moves until `batch_size` decisions of finished games are in hand.
        batch, outcomes = [], []
        fixed_scores: list[list[float]] = [[] for _ in specs]
        while len(batch) < batch_size:
            with torch.inference_mode():
                o, s, m = torch.from_numpy(obs), torch.from_numpy(seats), torch.from_numpy(mask)
                logits = model.logits(o, s, m)
                penalties = None
                if args.soft_returns:  # α log π(a)/ρ(a) of the move about to be drawn, below
                    log_ratio = torch.log_softmax(logits, -1) - torch.log_softmax(magnet.logits(o, s, m), -1)
                if args.all_actions and explore > 0:  # behaviour: (1 − ε) π + ε uniform over legal
                    probs = (1 - explore) * torch.softmax(logits, -1) + explore * m / m.sum(-1, keepdim=True)
                    actions, logps = sample(probs.log())
                else:
                    actions, logps = sample(logits)
                if args.all_actions:  # V = Σ_a π(a) Q(h, a)
                    q = model.q(o, s, torch.from_numpy(state) if S else None).masked_fill(~m, 0.0)
                    values = (torch.softmax(logits, -1) * q).sum(-1)
                else:
                    values = model.value(o, s, torch.from_numpy(state) if S else None)
                for index in np.unique(games.opponent[games.opponent >= 0]):
                    rows = np.flatnonzero((games.opponent == index) & (seats == games.opp_seat))
                    if len(rows):
                        net = opponents.setdefault(int(index), _snapshot_net(model, pool, int(index)))
                        actions[rows] = sample(net.logits(o[rows], s[rows], m[rows]))[0]
                if args.soft_returns:
                    penalties = (alpha * log_ratio.gather(-1, actions.unsqueeze(-1)).squeeze(-1)).numpy()
            finished = games.step(seats, obs, state, mask, actions.numpy(), logps.numpy(), values.numpy(),
                                  penalties)
            budget.add_steps(len(seats))
            for trace, returns, e in finished:
                for decisions in trace.values():
                    if decisions:
                        rewards = np.array([d[6] for d in decisions], dtype=np.float32)
                        values_ = np.array([d[5] for d in decisions], dtype=np.float32)
                        adv, ret = chain_gae(rewards, values_, args.gamma, args.gae_lambda)
                        batch += [(*d[:5], a, r, d[7]) for d, a, r in zip(decisions, adv, ret)]
                fixed, fixed_seat = (int(x) for x in games.versus[e])  # the finished game's
                if fixed >= 0:
                    fixed_scores[fixed].append(_score(returns, 1 - fixed_seat))
                learner = 1 - games.opp_seat[e] if games.opponent[e] >= 0 else None
                outcomes.append((returns, learner, int(games.opponent[e])))
                if games.opponent[e] >= 0 and returns[learner] > returns[1 - learner]:
                    pool.learner_won(int(games.opponent[e]))
                games.opponent[e] = (pool.sample(rng, 1.0 - args.pool_fraction) if len(pool) else -1)
                games.opp_seat[e] = rng.integers(2)
            seats, obs, mask, state = games.observe(bool(S))
            run.note("self-play", {"games finished": len(outcomes),
                                   "decisions": f"{len(batch):,}/{batch_size:,} for the next update"})

        # 2. The mirror-descent step: PPO's clipped surrogate + α KL(π ‖ magnet) + value loss.
        b_obs = torch.from_numpy(np.stack([d[0] for d in batch]))
        b_seat = torch.tensor([d[1] for d in batch])
        b_mask = torch.from_numpy(np.stack([d[2] for d in batch]))
        b_action = torch.tensor([d[3] for d in batch])
        b_logp = torch.tensor([d[4] for d in batch], dtype=torch.float32)
        b_adv = torch.tensor([d[5] for d in batch], dtype=torch.float32)
        b_ret = torch.tensor([d[6] for d in batch], dtype=torch.float32)
        b_state = torch.from_numpy(np.stack([d[7] for d in batch])) if S else None
        model.value_norm.update(b_ret.unsqueeze(-1))
        with torch.no_grad():
            magnet_logp = torch.log_softmax(magnet.logits(b_obs, b_seat, b_mask), -1)
            old_logp = torch.log_softmax(model.logits(b_obs, b_seat, b_mask), -1)  # π that played
        stats = []
        for _ in range(args.epochs):
            for mb in torch.randperm(len(batch)).chunk(args.minibatches):
                logits = model.logits(b_obs[mb], b_seat[mb], b_mask[mb])
                new_logp, entropy = logp_entropy(logits, b_action[mb])
                log_ratio_mb = new_logp - b_logp[mb]  # to the policy that played
                ratio = log_ratio_mb.exp()
                logp_all = torch.log_softmax(logits, -1)
                magnet_kl = (logp_all.exp() * (logp_all - magnet_logp[mb])).sum(-1).mean()
                critic = model.critic_normalized(b_obs[mb], b_seat[mb], b_state[mb] if S else None)
                if args.all_actions:
                    q = model.value_norm.denormalize(critic.detach()).masked_fill(~b_mask[mb], 0.0)
                    q = q - (old_logp[mb].exp() * q).sum(-1, keepdim=True)  # Q − V under π_old
                    prox_kl = (logp_all.exp() * (logp_all - old_logp[mb])).sum(-1).mean()
                    pg_loss = -(logp_all.exp() * q).sum(-1).mean() + prox_kl / args.step_size
                    critic = critic.gather(-1, b_action[mb].unsqueeze(-1))  # Q of the action taken
                else:
                    adv = b_adv[mb] - b_adv[mb].mean()  # centred, not scaled: α is a temperature
                    pg_loss = torch.max(-adv * ratio, -adv * ratio.clamp(1 - args.clip, 1 + args.clip)).mean()
                v_loss = 0.5 * ((critic.squeeze(-1) - model.value_norm(b_ret[mb].unsqueeze(-1)).squeeze(-1)) ** 2).mean()
                loss = pg_loss + alpha * magnet_kl - args.ent_coef * entropy.mean() + args.vf_coef * v_loss
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
                optimizer.step()
                stats.append([pg_loss.item(), v_loss.item(), entropy.mean().item(), magnet_kl.item(),
                              (ratio - 1 - log_ratio_mb).mean().item(),
                              ((ratio - 1).abs() > args.clip).float().mean().item()])
        if args.normalize_inputs:
            model.obs_norm.update(b_obs)
            if S:
                model.state_norm.update(b_state)
        iteration = run.iteration + 1
        if iteration % args.magnet_every == 0:
            _lerp_parameters(magnet, model, args.magnet_rate * (lr / args.lr if args.magnet_with_lr else 1.0))
        if distilled is not None:  # the distributions that played the batch, at its states
            distilled.optimizer.param_groups[0]["lr"] = args.distill_lr + (distill_lr_end - args.distill_lr) * frac
            distilled.add(model, b_obs, b_seat, b_mask, old_logp.exp())
            distill_kl = distilled.fit(round(1 / average_rate))
        elif average is not None:
            _lerp_parameters(average, model, average_rate)

        # 3. Pool, metrics, exploitability, checkpoints and evaluation games (the kit's run).
        if args.pool_fraction > 0 and iteration % args.snapshot_every == 0:
            pool.add({k: v.clone() for k, v in model.state_dict().items()}, iteration)
            opponents.clear()
            games.opponent[games.opponent >= 0] = -1  # indices moved; those games go on vs latest
        pg, vl, ent, kl_magnet, kl_old, clipped = np.mean(stats, axis=0)
        metrics = {"pg_loss": pg, "v_loss": vl, "entropy": ent, "magnet_kl": kl_magnet,
                   "approx_kl": kl_old, "clipfrac": clipped, "lr": optimizer.param_groups[0]["lr"],
                   "magnet_coef": alpha, "games": len(outcomes),
                   **({"average_rate": average_rate} if average is not None else {}),
                   **({"distill_kl": distill_kl} if distilled is not None else {}),
                   **({"batch": len(batch)} if args.batch_final is not None else {}),
                   "pool": len(pool),
                   "score_vs_pool": _score_vs_pool(outcomes),
                   **{f"score_vs_{spec}": float(np.mean(s)) for spec, s in zip(specs, fixed_scores) if s}}
        if can_measure and (budget.seconds() - last_measured >= args.exploitability_every
                            or budget.fraction() >= 1.0):
            last_measured = budget.seconds()
            measured = metrics["exploitability"] = best.offer(exploitability_of(measure_env, played), played)
            if args.magnet_rate > 0:  # a fixed magnet's figure never changes; not worth its CPU
                metrics["magnet_exploitability"] = exploitability_of(measure_env, magnet)
            if average is not None:
                metrics["iterate_exploitability"] = exploitability_of(measure_env, model)
        run.end_iteration(metrics, played, **saved)
    if can_measure:  # the last update measured this same network, unless the budget ran out just after
        if measured is None:
            measured = best.offer(exploitability_of(measure_env, played), played)
        run.final({"exploitability": measured})
    return run.last


class BestCheckpoint:
    """best.pt: the played policy with the lowest exploitability measured so far. The figure is
    exact, not a noisy evaluation, so keeping the lowest is choosing the best policy the run made
    (on Leduc the average drifts up and down by 0.02 late in a run)."""

    def __init__(self, run):
        self.run, self.path = run, run.out / "best.pt"
        resumed = run.options.resume and self.path.exists()
        saved = torch.load(self.path, weights_only=True) if resumed else {}
        self.value = float(saved.get("exploitability", np.inf))  # a resumed run keeps its best

    def offer(self, value: float | None, model: TeamPolicy) -> float | None:
        if value is not None and value < self.value:
            self.value = value
            self.run.save(self.path, True, model, exploitability=value)
        return value


def _snapshot_net(model: TeamPolicy, pool, index: int) -> TeamPolicy:
    net = copy.deepcopy(model)
    net.load_state_dict(pool.snapshots[index])
    return net.eval()


@torch.no_grad()
def _lerp_parameters(target: TeamPolicy, model: TeamPolicy, rate: float) -> None:
    """target ← (1 − rate) target + rate θ over parameters and normaliser statistics (the
    magnet's Polyak step, and the average policy's)."""
    for (_, m), (_, p) in zip(target.state_dict().items(), model.state_dict().items()):
        if m.dtype.is_floating_point:
            m.lerp_(p, rate)


def _score(returns, seat: int) -> float:
    return float(0.5 + 0.5 * np.sign(returns[seat] - returns[1 - seat]))


def _score_vs_pool(outcomes) -> float | None:
    scores = [_score(r, learner) for r, learner, opp in outcomes if learner is not None]
    return float(np.mean(scores)) if scores else None


def run_turn_based(options, env) -> dict[str, Any]:
    """`arena train ppo GAME` for a turn-based game: refusals first, then the run."""
    from arena.training import Run, overrides_for
    from arena_ppo import checkpoint as ckpt
    from arena_ppo.train import _can_play, evaluate
    from arena_ppo.vec import split, worker_cpu

    check_trainable(env.info, env)
    args = TurnArgs(env_id=options.env_id, **overrides_for(TurnArgs, options.overrides))
    # A bad schedule, network or opponent is refused before anything is written.
    schedule_at(args, 0.0)
    magnet_coef_at(args, 0.0)
    average_rate_at(args, 0.0)
    batch_at(args, 0.0)
    if args.conv_channels and len(env.info.observation_shape) != 3:
        raise ArenaError(f"conv_channels needs board-shaped observations (channels, height, width); "
                         f"{env.info.id} has shape {tuple(env.info.observation_shape)}")
    fixed_opponents = opponent_specs(args)
    for spec in fixed_opponents:
        make_agent(spec, env)
    if options.workers > 1:
        split(args.num_envs, options.workers)
    run = Run("ppo", options, lambda m: {"format": ckpt.FORMAT, **ckpt.model_spec(m, env.info, args.hidden)},
              default_steps=1_000_000, eval_every=args.eval_every)
    # Whether the game is small enough for exact exploitability (and cfr): a walk of up to a
    # million histories, many seconds on a large game such as chess, so the log hears of it.
    run.note("counting the game's histories (exact exploitability up to 1,000,000)", force=True)
    specs = [s.strip() for s in args.eval_opponents.split(",") if s.strip()]
    specs = [s for s in specs if _can_play(s, options.env_id) and (not s.startswith("cfr") or measurable(env))]

    def evaluate_all(model, name, store, tournament):
        row = {}
        for spec in specs:
            result = evaluate(model, options.env_id, spec, args.eval_games, seed=run.seed * 100_003 + run.iteration,
                              name=name, store=store, tournament=tournament)
            row.update({f"eval_{spec}_{k}": v for k, v in result.items()})
        return row

    run.evaluate = evaluate_all if specs and args.eval_games > 0 else None
    games = None
    try:
        games = Games(options.env_id, args.num_envs, run.seed, args.reward_scale, options.workers,
                      fixed_opponents, args.opponent_fraction)
        run.budget.count_cpu_of(worker_cpu(games.envs))
        return train_turn_based(args, run, games)
    finally:
        if games is not None:
            games.close()
        run.close()
