"""`arena train muzero ENV`: batched self-play, a replay buffer and the MuZero loss, in
one process (or with self-play worker processes, --workers N).

    loss = Σ_k s_k [CE(π_k, p_k) + c_v (z_k − v_k)² + 1[k≥1] (r_k − r̂_k)²],  s_0 = 1, s_k = 1/K
with the gradient into the dynamics halved at each unroll step, weight decay 1e-4.
Budgets (--minutes, --cpu-minutes, --steps) count the whole run, so `--resume` after an
interruption finishes the same run. --steps counts env steps as every trainer of the kit does:
positions played by self-play (one move of one game; the learner's and the workers'), not
gradient steps (`steps` in metrics.jsonl). Checkpoints are written atomically: a killed run keeps its last one.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import click
import numpy as np
import torch
from torch.nn import functional as F

from arena import TURN_BASED, ArenaError, make_env
from arena.checkpoints import prepare_run_dir
from arena.training import Options, TrainingLines, open_store, overrides_for, tournament_name, trainer_command
from arena_muzero.agent import FORMAT, Player, load_checkpoint
from arena_muzero.model import NetConfig, NumpyModel, build
from arena_muzero.search import SearchConfig
from arena_muzero.selfplay import Replay, SelfPlay, mirror, mirror_permutation


@dataclass(frozen=True)
class TrainConfig:
    num_envs: int = 256  # games searched side by side
    simulations: int = 16
    unroll: int = 3
    batch_size: int = 512  # a step's cost is mostly per-call overhead at these sizes
    replay_ratio: float = 8.0  # samples trained per position generated
    replay_capacity: int = 100_000  # positions
    lr: float = 3e-3
    weight_decay: float = 1e-4
    value_coef: float = 1.0
    reward_coef: float = 10.0  # the search is only as good as the learnt rewards: learn them first
    max_random_opening: int = 6  # opening moves played at random in half the games
    random_move_prob: float = 0.1  # later moves played at random (value target cut there)
    noisy_moves: int | None = None  # moves of a game chosen with Gumbel noise, then greedily (None: all)
    eval_every_s: float = 90.0
    checkpoint_every_s: float = 120.0
    eval_games: int = 200  # vs random, per seat
    store_games: int = 10  # vs the baseline through the referee, recorded in the store
    mirror: bool = False  # train on left-right mirrored boards too (symmetric board games)
    end_fraction: float = 0.0  # share of each batch whose unroll reaches a game's end
    search_value_weight: float = 0.0  # value target (1 − w) z + w q, q the search's root value
    # With --workers: finished games the actors may queue (a full queue pauses them, so a
    # short one keeps the data fresh), and whether the learner self-plays only while none
    # wait (idle_play) or at every step.
    actor_queue: int = 10_000
    idle_play: bool = False


def presets(env_id: str, info, net: str | None = None) -> tuple[NetConfig, TrainConfig]:
    """Sizes that fit a 2-core CPU: an MLP for small boards, a small ResNet for Connect Four
    board planes (convolutions see a four-in-a-row wherever it is; an MLP, though ~4x
    faster per state than the ResNet, took a third of the winning moves after 5 minutes
    where the ResNet took two thirds). 32 channels, not 16: the smaller net leads for the
    first half hour, but after 60 minutes the larger one scored 0.71 against mcts:sims=100
    in one process where the smaller scored 0.63 in two (--workers 2). Half of each batch ends its
    unroll at a game's end, where all the rewards are (measured at 10 CPU-minutes with 16
    channels: wins in one taken 0.79 with half, 0.70 with a quarter). The value target
    averages the game's result with the search's root value (side by side at 12 CPU-minutes
    on one core each: wins in one taken 0.89 against 0.83, threats stopped 0.68 against 0.57,
    0.15 against 0.12 versus mcts:sims=100); with it and two processes, 0.755 after 60 minutes.
    Gumbel noise picks only the first 10 moves of a game, then the search plays greedily, so
    that the results the values learn from are those of good play: 0.780 against 0.755
    (0.367 against 0.338 versus mcts:sims=1000; one 60-minute run each, 400 games, within
    noise). Neither size nor steps moved the plateau at ~0.75: one dynamics block (1.4x the
    steps) scored 0.68, 48 channels with one dynamics block (0.7x the steps) 0.73. What moved
    it was how the dynamics sees a move: as a plane marking its column (model.py), 0.879
    with sims=16 and 0.898 with sims=64 over 800 games (0.604 against mcts:sims=1000; a
    seed-8 run 0.897 and 0.909), where more search had made the older network play worse."""
    shape = tuple(info.observation_shape)
    planes = len(shape) == 3 and shape[-1] != 2  # PettingZoo's boards are (H, W, C)
    if "connect_four" not in env_id:
        return NetConfig(shape, info.num_actions, kind=net or "mlp", layer_norm=True), TrainConfig()
    kind = net or ("resnet" if planes else "mlp")
    if kind == "resnet" and not planes:
        raise ArenaError(f"--net resnet needs (C, H, W) board planes; {env_id} observes {shape}")
    net_cfg = NetConfig(shape, info.num_actions, kind=kind, hidden=128, width=256, layer_norm=True,
                        channels=32, blocks=2)
    return net_cfg, TrainConfig(num_envs=256, unroll=3, batch_size=128, replay_capacity=300_000,
                                replay_ratio=1.75, lr=2e-3, max_random_opening=4, random_move_prob=0.05,
                                eval_every_s=300, eval_games=100, mirror=True, end_fraction=0.5,
                                search_value_weight=0.5, noisy_moves=10, actor_queue=256, idle_play=True)


def baseline_for(env_id: str, max_length: int) -> str:
    return "minimax" if max_length <= 12 else "mcts:sims=100"


# -- the loss -------------------------------------------------------------------------------

def losses(net, batch: dict[str, np.ndarray], obs_shape, cfg: TrainConfig) -> dict[str, torch.Tensor]:
    t = {k: torch.from_numpy(v) for k, v in batch.items()}
    h, logits, value = net.initial(t["obs"].view(-1, *obs_shape), t["player"])
    K = cfg.unroll
    policy_loss = value_loss = reward_loss = 0.0
    for k in range(K + 1):
        if k > 0:
            h = 0.5 * h + 0.5 * h.detach()  # halve the gradient into the dynamics
            h, reward, logits, value = net.recurrent(h, t["actions"][:, k - 1])
            reward_loss = reward_loss + (reward - t["reward"][:, k]).pow(2).mean() / K
        scale = 1.0 if k == 0 else 1.0 / K
        ce = -(t["policy"][:, k] * F.log_softmax(logits, -1)).sum(-1)
        policy_loss = policy_loss + scale * (ce * t["policy_mask"][:, k]).mean()
        value_loss = value_loss + scale * (value - t["value"][:, k]).pow(2).mean()
    total = policy_loss + cfg.value_coef * value_loss + cfg.reward_coef * reward_loss
    return {"loss": total, "policy": policy_loss, "value": value_loss, "reward": reward_loss}


# -- checkpoints ----------------------------------------------------------------------------

def save_checkpoint(path: Path, env_id: str, net_cfg: NetConfig, cfg: TrainConfig, net,
                    optimizer=None, progress: dict | None = None) -> None:
    ckpt = {"format": FORMAT, "env_id": env_id, "net": net_cfg.to_dict(), "train": asdict(cfg),
            "model": net.state_dict(), "progress": progress or {}}
    if optimizer is not None:
        ckpt["optimizer"] = optimizer.state_dict()
    tmp = path.with_suffix(".tmp")
    torch.save(ckpt, tmp)
    os.replace(tmp, path)  # atomic: an interrupted run still has the previous checkpoint


def trainable(env_id: str):
    """The env's info if MuZero can train on it, else a one-line refusal naming what it needs:
    self-play search here plans with one value per position for the player to move, so two
    players taking turns, seeing the whole board, and no dice."""
    info = make_env(env_id).info
    problems = []
    if len(info.sides) != 2:
        problems.append(f"{len(info.sides)} side{'s' if len(info.sides) != 1 else ''}")
    if info.kind != TURN_BASED:
        problems.append(f"{info.kind} moves")
    if info.extra.get("imperfect_information"):
        problems.append("imperfect information")
    if info.extra.get("chance"):
        problems.append("chance nodes")
    if problems:
        raise ArenaError(f"muzero trains two-player, turn-based games of perfect information without "
                         f"chance nodes (e.g. openspiel/connect_four); {env_id} is not a two-player "
                         f"turn-based game of that kind: it has {', '.join(problems)}")
    return info


# -- the run --------------------------------------------------------------------------------

class Run:
    def __init__(self, env_id: str, out: Path, seed: int, resume: bool, workers: int,
                 minutes: float | None, steps: int | None, db: str | None,
                 cpu_minutes: float | None = None, net: str | None = None, show_progress: bool = True):
        self.env_id, self.out, self.seed, self.cpu_minutes = env_id, out, seed, cpu_minutes
        self.minutes, self.max_steps, self.workers, self.db = minutes, steps, workers, db
        info = self.info = trainable(env_id)
        self.show_progress = show_progress
        # A log (stdout not a terminal) gets plain lines instead of the bar: the first now, then
        # one as self-play starts, one every 30 s and one per evaluation.
        self.log = TrainingLines(f"muzero {env_id}", enabled=show_progress and not sys.stdout.isatty())
        budget = [f"{v:g} {unit}" for v, unit in ((minutes, "minutes"), (cpu_minutes, "CPU minutes")) if v]
        budget += [f"{steps:,} steps"] if steps else []
        self.log.start({"budget": " or ".join(budget), "run folder": out})
        self.net_cfg, self.cfg = presets(env_id, info, net)
        self.progress = {"steps": 0, "positions": 0, "games": 0, "elapsed_s": 0.0, "cpu_s": 0.0, "trained": 0}
        self.net = build(self.net_cfg)
        self.optimizer = torch.optim.AdamW(self.net.parameters(), lr=self.cfg.lr,
                                           weight_decay=self.cfg.weight_decay)
        latest = out / "latest.pt"
        if resume:
            self._resume(latest)
        elif latest.exists():
            raise ArenaError(f"{latest} exists; pass --resume to continue that run or choose another --out")
        torch.manual_seed(seed + self.progress["steps"])
        self.rng = np.random.default_rng([seed, self.progress["steps"]])
        obs_dim = int(np.prod(info.observation_shape))
        self.replay = Replay(self.cfg.replay_capacity, obs_dim, info.num_actions, self.rng,
                             self.cfg.search_value_weight)
        self.search_cfg = SearchConfig(num_simulations=self.cfg.simulations)
        self.mirror = mirror_permutation(self.net_cfg.obs_shape, info.num_actions) if self.cfg.mirror else None
        self.metrics = open(out / "metrics.jsonl", "a")
        (out / "config.json").write_text(json.dumps(
            {"env_id": env_id, "seed": seed, "net": self.net_cfg.to_dict(), "train": asdict(self.cfg),
             "workers": workers}, indent=2))

    def _resume(self, latest: Path) -> None:
        ckpt = load_checkpoint(latest, self.info)
        self.net_cfg = NetConfig.from_dict(ckpt["net"])
        known = {f.name for f in fields(TrainConfig)}
        self.cfg = replace(self.cfg, **{k: v for k, v in ckpt["train"].items() if k in known})
        self.net = build(self.net_cfg)
        self.net.load_state_dict(ckpt["model"])
        self.optimizer = torch.optim.AdamW(self.net.parameters(), lr=self.cfg.lr,
                                           weight_decay=self.cfg.weight_decay)
        if "optimizer" in ckpt:
            self.optimizer.load_state_dict(ckpt["optimizer"])
        self.progress.update(ckpt.get("progress", {}))

    # -- budget
    def done(self) -> bool:
        p = self.progress
        return ((self.minutes is not None and p["elapsed_s"] >= self.minutes * 60)
                or (self.cpu_minutes is not None and p["cpu_s"] >= self.cpu_minutes * 60)
                or (self.max_steps is not None and p["positions"] >= self.max_steps))

    def fraction(self) -> float:
        p = self.progress
        parts = []
        if self.minutes is not None:
            parts.append(p["elapsed_s"] / (self.minutes * 60))
        if self.cpu_minutes is not None:
            parts.append(p["cpu_s"] / (self.cpu_minutes * 60))
        if self.max_steps is not None:
            parts.append(p["positions"] / self.max_steps)
        return min(1.0, max(parts))

    # -- the loop
    def train(self) -> dict:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        envs = [make_env(self.env_id) for _ in range(self.cfg.num_envs)]
        actors = self._start_workers()
        selfplay = SelfPlay(envs, NumpyModel(self.net, self.net_cfg.obs_shape), self.search_cfg,
                            self.rng, self.cfg.max_random_opening, self.cfg.random_move_prob, self.cfg.noisy_moves)
        start = time.perf_counter() - self.progress["elapsed_s"]
        cpu_start = time.process_time() - self.progress["cpu_s"]
        last_eval = last_ckpt = self.progress["elapsed_s"]
        recent = {"loss": math.nan, "policy": math.nan, "value": math.nan, "reward": math.nan}
        lengths: list[int] = []
        evaluation: dict = {}
        columns = [TextColumn("[bold]muzero[/] {task.fields[env]}"), BarColumn(),
                   TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                   TextColumn("step {task.fields[steps]} games {task.fields[games]} "
                              "{task.fields[losses]} {task.fields[eval]}")]
        needed = 4 * self.cfg.batch_size
        log = self.log
        shown = (time.perf_counter() - start, self.progress["positions"])  # at the last line: positions/s since

        def note(force: bool = False) -> None:
            nonlocal shown
            p, now = self.progress, time.perf_counter() - start
            learning = not math.isnan(recent["loss"])
            fields = {"step": p["positions"], "gradient steps": p["steps"], "games": p["games"],
                      "replay": f"{self.replay.size:,}" + ("" if learning else f"/{needed:,} before learning"),
                      "loss": recent["loss"] if learning else None,
                      "steps/s": round((p["positions"] - shown[1]) / max(now - shown[0], 1e-9))
                      if p["positions"] > shown[1] else None}
            doing = ("self-play and learning" if learning else
                     f"self-play ({self.cfg.num_envs} games side by side, {self.cfg.simulations} simulations a move)")
            if log(doing, fields, force):
                shown = (now, p["positions"])

        note(force=True)
        try:
            with Progress(*columns, transient=False, disable=not self.show_progress or log.enabled) as bar:
                task = bar.add_task("train", total=1.0, env=self.env_id, steps=0, games=0,
                                    losses=describe_losses(recent, 0, needed), eval="")
                while not self.done():
                    self.net.eval()
                    games = actors.collect() if actors else []
                    if actors is None or not self.cfg.idle_play or not games:
                        games += selfplay.step()
                        self.progress["positions"] += self.cfg.num_envs
                    for game in games:
                        self.replay.add(game)
                        lengths.append(len(game.action))
                    self.progress["games"] += len(games)
                    self.progress["positions"] += actors.positions if actors else 0
                    if self.replay.size >= 4 * self.cfg.batch_size:
                        recent = self._learn() or recent
                        if actors:
                            actors.publish(self.net)
                    self.progress["elapsed_s"] = elapsed = time.perf_counter() - start
                    self.progress["cpu_s"] = time.process_time() - cpu_start  # this process only
                    if elapsed - last_eval >= self.cfg.eval_every_s or self.done():
                        evaluation = self.evaluate()
                        self._log(recent, lengths, evaluation)
                        if log.enabled:
                            bar.console.print(
                                f"[{time.strftime('%H:%M:%S', time.gmtime(elapsed))}] muzero {self.env_id}: step {self.progress['positions']:,} "
                                f"({self.progress['steps']:,} gradient steps), games {self.progress['games']}, {describe_losses(recent, self.replay.size, needed)}"
                                f" | {describe_evaluation(evaluation) or 'no evaluation games'}",
                                markup=False, highlight=False, soft_wrap=True)
                        lengths, last_eval = [], elapsed
                    if elapsed - last_ckpt >= self.cfg.checkpoint_every_s:
                        self.checkpoint()
                        last_ckpt = elapsed
                    note()
                    bar.update(task, completed=self.fraction(), steps=f"{self.progress['positions']:,}",
                               games=self.progress["games"],
                               losses=describe_losses(recent, self.replay.size, needed),
                               eval=describe_evaluation(evaluation))
        finally:
            self.progress["elapsed_s"] = time.perf_counter() - start
            self.progress["cpu_s"] = time.process_time() - cpu_start
            self.checkpoint()
            if actors:
                actors.stop()
            self.metrics.close()
        return evaluation

    def _learn(self) -> dict | None:
        """Gradient steps until the replay ratio is met."""
        self.net.train()
        out = None
        for group in self.optimizer.param_groups:  # linear decay to 10 % over the budget
            group["lr"] = self.cfg.lr * (1.0 - 0.9 * self.fraction())
        while self.progress["trained"] < self.cfg.replay_ratio * self.progress["positions"]:
            batch = self.replay.sample(self.cfg.batch_size, self.cfg.unroll, self.cfg.end_fraction)
            if self.mirror is not None:
                batch = mirror(batch, self.net_cfg.obs_shape, self.mirror, self.rng)
            parts = losses(self.net, batch, self.net_cfg.obs_shape, self.cfg)
            self.optimizer.zero_grad()
            parts["loss"].backward()
            torch.nn.utils.clip_grad_norm_(self.net.parameters(), 5.0)
            self.optimizer.step()
            self.progress["steps"] += 1
            self.progress["trained"] += self.cfg.batch_size
            out = {k: float(v.detach()) for k, v in parts.items()}
        self.net.eval()
        return out

    def checkpoint(self) -> Path:
        path = self.out / "latest.pt"
        save_checkpoint(path, self.env_id, self.net_cfg, self.cfg, self.net, self.optimizer, self.progress)
        return path

    def evaluate(self) -> dict:
        from arena_muzero import evaluate as ev

        self.net.eval()
        player = Player(self.net, self.net_cfg.obs_shape, self.cfg.simulations)
        raw = Player(self.net, self.net_cfg.obs_shape, 0)
        env = make_env(self.env_id)
        game = getattr(env, "game", None)
        baseline = self._baseline(env)
        result = {}
        for seat in (0, 1) if self.cfg.eval_games else ():
            seed = self.progress["steps"]
            result[f"random_seat{seat}"] = ev.vs_random(player, self.env_id, self.cfg.eval_games, seat, seed)
            if baseline.startswith("mcts"):  # cheap next to training; the curve that matters
                result[f"{baseline}_seat{seat}"] = ev.vs_agent(player, self.env_id, self.cfg.eval_games // 2,
                                                               seat, baseline, seed)
        if game is not None and game.max_game_length() <= 12:  # small enough to check exhaustively
            for name, p in (("search", player), ("raw", raw)):
                result[f"exhaustive_{name}"] = {s: ev.exhaustive(p, game, s)["lost"] for s in (0, 1)}
            result["positions"] = ev.position_stats(self.net, game)
        result["store"] = self._store_games(env, baseline)
        return result

    def _baseline(self, env) -> str:
        game = getattr(env, "game", None)
        baseline = baseline_for(self.env_id, game.max_game_length() if game else 10**6)
        return baseline if env.info.forward_model else "random"

    def _store_games(self, env, baseline: str) -> dict:
        """Games against the baseline through the referee, recorded under the run's name
        so each checkpoint gets a rating on the leaderboard."""
        if not self.cfg.store_games:
            return {}
        from arena import make_agent, play

        step = self.progress["steps"]
        path = self.out / f"step_{step}.pt"
        save_checkpoint(path, self.env_id, self.net_cfg, self.cfg, self.net, progress=dict(self.progress))
        spec = f"muzero:checkpoint={path},sims={self.cfg.simulations}"
        agents = [make_agent(spec, env), make_agent(baseline, env)]
        scores = []
        store = open_store(self.db, self.out)
        for g in range(self.cfg.store_games):
            order = [0, 1] if g % 2 == 0 else [1, 0]
            names = [[spec, baseline][i] for i in order]
            record = play(env, [agents[i] for i in order], seed=step * 1000 + g, names=names)
            scores.append(record.scores[order.index(0)])
            if store is not None:
                store.record_game(tournament_name(self.out), self.env_id, record)
        if store is not None:
            store.tag_agent(spec, env_id=self.env_id, run=str(self.out), step=step)
            store.close()
        return {"vs": baseline, "score": float(np.mean(scores)), "stored": store is not None}

    def _log(self, recent: dict, lengths: list[int], evaluation: dict) -> None:
        row = {"time": time.time(), "step": self.progress["positions"], **self.progress, **{f"loss_{k}": v for k, v in recent.items()},
               "game_length": float(np.mean(lengths)) if lengths else None, "eval": evaluation}
        self.metrics.write(json.dumps(row) + "\n")
        self.metrics.flush()

    def _start_workers(self):
        if self.workers <= 1:
            return None
        from arena_muzero.workers import Actors

        return Actors(self.workers - 1, self.env_id, self.net, self.net_cfg, self.cfg, self.search_cfg, self.seed)


def describe_evaluation(evaluation: dict) -> str:
    """One evaluation in named fields (docs/watching.md explains each):

    random win A/B        win rate against random moving first (A) and second (B)
    mcts:sims=N score S   mean score against that MCTS baseline over both seats
    lost lines A+B        small games solved exhaustively: lines (the agent's moves against
                          every opponent reply) that end in a loss, as first + second player,
                          with search; "raw net" the same for the network's policy alone
    raw best move X%      share of reachable positions where the raw policy's top move is optimal
    vs B S (stored)       score of the games against baseline B stored for the leaderboard
    """
    if not evaluation:
        return ""
    parts = []
    if "random_seat0" in evaluation:
        parts.append(f"random win {evaluation['random_seat0']['win']:.2f}/{evaluation['random_seat1']['win']:.2f}")
    for key in [k for k in evaluation if k.startswith("mcts") and k.endswith("seat0")]:
        a, b = evaluation[key], evaluation[key.replace("seat0", "seat1")]
        score = (a["win"] + b["win"] + (a["draw"] + b["draw"]) / 2) / 2
        parts.append(f"{key[:-6]} score {score:.2f}")
    if "exhaustive_raw" in evaluation:
        e, r = evaluation["exhaustive_search"], evaluation["exhaustive_raw"]
        parts.append(f"lost lines {e[0]}+{e[1]} (raw net {r[0]}+{r[1]})")
        parts.append(f"raw best move {100 * evaluation['positions']['policy_optimal']:.1f}%")
    if evaluation.get("store"):
        parts.append(f"vs {evaluation['store']['vs']} {evaluation['store']['score']:.2f}"
                     + (" (stored)" if evaluation["store"].get("stored") else ""))
    return " · ".join(parts)


def describe_losses(recent: dict, replay_size: int, needed: int) -> str:
    """The latest training losses by name; before the first gradient step, how far the
    replay buffer is from the size at which learning starts."""
    if math.isnan(recent["loss"]):
        return f"filling replay {replay_size}/{needed} positions before learning"
    return (f"loss {recent['loss']:.3f} (policy {recent['policy']:.3f}, value {recent['value']:.3f}, "
            f"reward {recent['reward']:.3f})")


@trainer_command(
    "muzero",
    click.option("--eval-games", type=int, default=None, help="Games vs random per seat at each evaluation."),
    click.option("--net", type=click.Choice(["mlp", "resnet"]), default=None,
                 help="Network (default: mlp; resnet needs board planes)."))
def command(options: Options, eval_games, net):
    """Train MuZero (Gumbel search) on a two-player turn-based game by self-play. --steps counts
    env steps (positions played), like every trainer; --set takes any field of
    arena_muzero.train.TrainConfig."""
    env_id, minutes, steps, cpu_minutes = options.env_id, options.minutes, options.steps, options.cpu_minutes
    out, seed, resume, workers, db = options.out, options.seed, options.resume, options.workers, options.db
    if minutes is None and steps is None and cpu_minutes is None:
        raise ArenaError("give a budget: --minutes M, --cpu-minutes M or --steps N")
    if eval_games is not None and eval_games < 0:
        raise ArenaError(f"--eval-games must be 0 or more, not {eval_games}")
    torch.set_num_threads(1)
    trainable(env_id)  # before the run folder is made
    changes = overrides_for(TrainConfig, options.overrides)
    out = prepare_run_dir(out)
    run = Run(env_id, out, seed, resume, workers, minutes, steps, db, cpu_minutes, net, options.progress)
    run.cfg = replace(run.cfg, **changes, **({"eval_games": eval_games} if eval_games is not None else {}))
    result = run.train()
    click.echo(f"checkpoint: {out / 'latest.pt'}")
    if result:
        click.echo(f"evaluation: {describe_evaluation(result)}")
