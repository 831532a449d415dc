"""Self-play worker processes for `--workers N`: N-1 actors play batched games with a
shared-memory copy of the network, which the learner refreshes in place after its
updates; finished games come back through a queue. One thread per process."""

from __future__ import annotations

import queue

import numpy as np
import torch
import torch.multiprocessing as mp

from arena import ArenaError
from arena_muzero.model import NetConfig, NumpyModel, build


def _actor(rank, env_id, shared, net_cfg, cfg, search_cfg, seed, games, stop):
    torch.set_num_threads(1)
    from arena import make_env
    from arena_muzero.selfplay import SelfPlay

    rng = np.random.default_rng([seed, rank, 7919])
    envs = [make_env(env_id) for _ in range(cfg.num_envs)]
    selfplay = SelfPlay(envs, NumpyModel(shared, net_cfg.obs_shape), search_cfg, rng, cfg.max_random_opening,
                        cfg.random_move_prob, cfg.noisy_moves)
    while not stop.is_set():
        for game in selfplay.step():
            games.put(game)


class Actors:
    def __init__(self, n: int, env_id: str, net, net_cfg: NetConfig, cfg, search_cfg, seed: int):
        ctx = mp.get_context("spawn")
        self.shared = build(net_cfg)
        self.shared.load_state_dict(net.state_dict())
        self.shared.eval().share_memory()
        self.games, self.stop_event = ctx.Queue(maxsize=cfg.actor_queue), ctx.Event()
        self.positions = 0
        self.procs = [ctx.Process(target=_actor, daemon=True, args=(
            rank, env_id, self.shared, net_cfg, cfg, search_cfg, seed, self.games, self.stop_event))
            for rank in range(n)]
        for p in self.procs:
            p.start()

    def collect(self) -> list:
        """The finished games waiting; raises if an actor died (else the learner would go on
        alone, at a fraction of the run's self-play, without a word)."""
        for rank, proc in enumerate(self.procs):
            if proc.exitcode is not None:
                raise ArenaError(f"self-play worker {rank} stopped (exit code {proc.exitcode}); "
                                 "the last checkpoint is kept: --resume continues the run")
        out = []
        while True:
            try:
                out.append(self.games.get_nowait())
            except queue.Empty:
                break
        self.positions = sum(len(g.action) for g in out)
        return out

    @torch.no_grad()
    def publish(self, net) -> None:
        for target, source in zip(self.shared.state_dict().values(), net.state_dict().values()):
            target.copy_(source)

    def stop(self) -> None:
        self.stop_event.set()
        for p in self.procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
