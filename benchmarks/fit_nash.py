"""Can turn-based PPO's network play a near-Nash policy at all? Fit it to CFR+'s average policy
by supervised learning (KL at every information state, full batch) and measure the fitted
network's exploitability. If the fit gets close to CFR+'s own figure, the network's capacity
is not what holds a training run above it.

    python benchmarks/fit_nash.py --game leduc_poker --hidden 128
"""

import argparse
import time

import numpy as np
import pyspiel
import torch
from open_spiel.python import policy as policy_lib
from open_spiel.python.algorithms import cfr, exploitability

from arena.api import make_env
from arena_ppo.averaging import kl_from
from arena_ppo.model import TeamPolicy
from arena_ppo.turns import exploitability_of


def information_states(game, policy):
    """(tensor, player, legal mask, the policy's distribution) at every information state."""
    table = policy_lib.TabularPolicy(game)  # enumerates them
    obs = np.array([s.information_state_tensor() for s in table.states], np.float32)
    seat = np.array([s.current_player() for s in table.states])
    target = np.zeros(table.legal_actions_mask.shape, np.float32)
    for i, state in enumerate(table.states):
        for action, p in policy.action_probabilities(state).items():
            target[i, action] = p
    return (torch.from_numpy(obs), torch.from_numpy(seat), torch.from_numpy(table.legal_actions_mask.astype(bool)),
            torch.from_numpy(target))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--game", default="leduc_poker")
    parser.add_argument("--hidden", type=int, default=128, help="width of the actor's two hidden layers")
    parser.add_argument("--cfr-iterations", type=int, default=200)
    parser.add_argument("--steps", default="500,2000,5000,10000", help="Adam steps at which to measure")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)

    game = pyspiel.load_game(args.game)
    solver = cfr.CFRPlusSolver(game)
    for _ in range(args.cfr_iterations):
        solver.evaluate_and_update_policy()
    nash = solver.average_policy()
    print(f"CFR+ after {args.cfr_iterations} iterations: {exploitability.exploitability(game, nash):.4f}")

    env = make_env(f"openspiel/{args.game}")
    obs, seat, mask, target = information_states(game, nash)
    model = TeamPolicy(obs.shape[1], 2, mask.shape[1], 2 * obs.shape[1], args.hidden)  # as the trainer's
    model.obs_norm.update(obs)
    optimizer = torch.optim.Adam(model.actor.parameters(), lr=1e-3)
    marks, start = {int(s) for s in args.steps.split(",")}, time.process_time()
    print(f"{len(obs)} information states; the network: MLP 2x{args.hidden}")
    for step in range(1, max(marks) + 1):
        kl = kl_from(target, model.logits(obs, seat, mask), mask)
        optimizer.zero_grad()
        kl.backward()
        optimizer.step()
        if step in marks:
            print(f"step {step:6d}  KL {kl.item():.2e}  exploitability {exploitability_of(env, model):.4f}  "
                  f"({time.process_time() - start:.0f} CPU s)", flush=True)


if __name__ == "__main__":
    main()
