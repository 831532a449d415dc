"""Is averaging a network's parameters the same as averaging its policy? Continue a turn-based
PPO run on a copy of its folder, collect the iterate its latest.pt holds (every 10 updates),
and compare the exploitability of four averages of the same iterates: of the parameters
(what `average_by=parameters` plays), of the action distributions at each information state,
the sequence-form average (each iterate weighted by its own reach of the state, as CFR's
average policy), and the geometric average (of the log-probabilities: were the iterates
quantal responses to noisy values, it would average the noise out without flattening them).
The `--set` settings make it a hold experiment: which settings, held, give the best average.

    python benchmarks/average_space.py runs/R3s1 --cpu-minutes 6 --set magnet_rate=0 \\
        --set magnet_coef=0.007 --set average_rate=0.002 --set batch=8192 --set lr=5e-5 \\
        --set lr_final=5e-5 --set eval_games=0 --set exploitability_every=30
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyspiel
import torch
from open_spiel.python import policy as policy_lib
from open_spiel.python.algorithms import exploitability

from arena.api import make_env
from arena_ppo import checkpoint as ckpt


def collect_iterates(run: Path, env_id: str, cpu_minutes: float, sets: list[str], every: float) -> list[dict]:
    """Resume a copy of `run` for `cpu_minutes` more, keeping each iterate latest.pt holds."""
    out = Path(tempfile.mkdtemp(prefix="average_space_")) / "run"
    shutil.copytree(run, out)
    done = torch.load(out / "latest.pt", weights_only=True)["budget"]["cpu"] / 60
    command = [sys.executable, "-m", "arena", "train", "ppo", env_id, "--resume", "--out", str(out),
               "--cpu-minutes", str(done + cpu_minutes), "--no-progress", *[a for s in sets for a in ("--set", s)]]
    trainer, iterates, last = subprocess.Popen(command, stdout=subprocess.DEVNULL), [], None
    while trainer.poll() is None:
        time.sleep(every)
        data = torch.load(out / "latest.pt", weights_only=True)  # replaced atomically by the trainer
        if data["iteration"] != last:
            last = data["iteration"]
            iterates.append(data["iterate"])
    shutil.rmtree(out.parent)
    return iterates[1:]  # the first is the resumed run's last


class Tabular:
    """The game's information states in tensor form (OpenSpiel's TabularPolicy enumerates
    them), and each one's parent in its player's own sequence, for the player's own reach."""

    def __init__(self, game):
        self.game, self.table = game, policy_lib.TabularPolicy(game)
        states = self.table.states
        self.obs = torch.tensor(np.array([s.information_state_tensor() for s in states], np.float32))
        self.seat = torch.tensor([s.current_player() for s in states])
        self.mask = torch.from_numpy(self.table.legal_actions_mask.astype(bool))
        self.parent: dict[int, tuple[int, int] | None] = {}  # in walk order: a parent before its children
        self._walk(game.new_initial_state(), (None, None))

    def _walk(self, state, last):
        """Record, for each information state, its player's previous (state, action)."""
        if state.is_terminal():
            return
        if state.is_chance_node():
            for action, _ in state.chance_outcomes():
                self._walk(state.child(action), last)
            return
        player = state.current_player()
        i = self.table.state_lookup[state.information_state_string(player)]
        self.parent.setdefault(i, last[player])  # the same wherever the state is met (perfect recall)
        for action in state.legal_actions():
            after = list(last)
            after[player] = (i, action)
            self._walk(state.child(action), tuple(after))

    def probs(self, model) -> np.ndarray:
        with torch.no_grad():
            return torch.softmax(model.logits(self.obs, self.seat, self.mask).double(), -1).numpy()

    def own_reach(self, probs: np.ndarray) -> np.ndarray:
        reach = np.empty(len(self.parent))
        for i, up in self.parent.items():
            reach[i] = 1.0 if up is None else reach[up[0]] * probs[up]
        return reach

    def exploitability(self, probs: np.ndarray) -> float:
        self.table.action_probability_array = probs.copy()
        return exploitability.exploitability(self.game, self.table)


def geometric_mean(probs: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """exp(mean log π) over iterates, renormalised over the legal actions."""
    logs = np.where(mask, np.log(np.maximum(probs, 1e-300)), -np.inf).mean(0)
    logs = np.where(mask, logs - logs.max(-1, keepdims=True), -np.inf)
    return np.exp(logs) / np.exp(logs).sum(-1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a turn-based PPO run folder trained with average_rate > 0")
    parser.add_argument("--game", default="leduc_poker")
    parser.add_argument("--cpu-minutes", type=float, default=6.0, help="training time to collect iterates over")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between looks at latest.pt")
    parser.add_argument("--set", action="append", default=[], help="settings of the continued run")
    args = parser.parse_args()
    torch.set_num_threads(1)

    env = make_env(f"openspiel/{args.game}")
    model = ckpt.build_model(ckpt.load(str(args.run / "latest.pt")), str(args.run / "latest.pt"), env.info)
    iterates = collect_iterates(args.run, env.info.id, args.cpu_minutes, args.set, args.every)
    tabular = Tabular(pyspiel.load_game(args.game))
    probs = []
    for state in iterates:
        model.load_state_dict(state)
        probs.append(tabular.probs(model))
    probs = np.stack(probs)
    reach = np.stack([tabular.own_reach(p) for p in probs])[..., None]
    model.load_state_dict({k: torch.stack([s[k] for s in iterates]).double().mean(0).to(v.dtype)
                           if v.dtype.is_floating_point else v for k, v in iterates[-1].items()})
    print(f"{len(iterates)} iterates; each alone: {' '.join(f'{tabular.exploitability(p):.3f}' for p in probs[::10])} ...")
    print(f"average of the parameters:     {tabular.exploitability(tabular.probs(model)):.4f}")
    print(f"average of the distributions:  {tabular.exploitability(probs.mean(0)):.4f}")
    print(f"sequence-form average:         {tabular.exploitability((reach * probs).sum(0) / reach.sum(0)):.4f}")
    print(f"geometric average (of logits): {tabular.exploitability(geometric_mean(probs, tabular.mask.numpy())):.4f}")


if __name__ == "__main__":
    main()
