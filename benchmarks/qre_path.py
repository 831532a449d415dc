"""How low can turn-based PPO with a fixed uniform magnet go? The exploitability of the game's
logit agent-quantal-response equilibrium around the uniform policy, by temperature α.

PPO's loss with a fixed magnet ρ (agents/arena_ppo/turns.py, `magnet_rate=0`) has, at every
information state s, the fixed point π(a|s) ∝ ρ(a|s) exp(Q(s, a) / α) with Q the expected
(scaled) return of a at s: the logit agent-QRE at temperature α. Annealing α (the
`magnet_coef_final` schedule) walks the policy along these equilibria towards a Nash
equilibrium, so their exploitability is the floor the recipe can reach at a given α. Found
here tabularly with exact Q, by magnetic mirror descent (Sokota et al. 2022, eq. 9 in
behavioural form) and homotopy in α, each α started from the previous one's solution.

    python benchmarks/qre_path.py --game leduc_poker --alphas 0.1,0.05,0.03,0.02,0.015,0.01
"""

import argparse
import sys
import time

import numpy as np
import pyspiel
from open_spiel.python import policy as policy_lib
from open_spiel.python.algorithms import exploitability


class Tree:
    """The game tree flattened once: per node its kind, and the information state's index."""

    def __init__(self, game):
        self.game, self.scale = game, max(abs(game.max_utility()), abs(game.min_utility()))
        self.nodes: list = []
        self.index: dict[str, int] = {}
        self.legal: list[list[int]] = []
        sys.setrecursionlimit(10_000)
        self._build(game.new_initial_state())

    def _build(self, state) -> int:
        i = len(self.nodes)
        self.nodes.append(None)
        if state.is_terminal():
            self.nodes[i] = ("end", np.array(state.returns()) / self.scale, None, None)
        elif state.is_chance_node():
            self.nodes[i] = ("chance", None, None, [(self._build(state.child(a)), p) for a, p in state.chance_outcomes()])
        else:
            player, key = state.current_player(), state.information_state_string()
            if key not in self.index:
                self.index[key] = len(self.legal)
                self.legal.append(state.legal_actions())
            self.nodes[i] = ("move", player, self.index[key], [self._build(state.child(a)) for a in state.legal_actions()])
        return i

    def q_values(self, policy: list[np.ndarray]) -> list[np.ndarray]:
        """Q(s, a) of the player at s: Σ_{h∈s} (others' and chance's reach) v(ha) / Σ reach."""
        q = [np.zeros(len(legal)) for legal in self.legal]
        weight = np.zeros(len(self.legal))

        def value(i: int, reach: np.ndarray) -> np.ndarray:  # reach[p]: everyone's but p's
            kind, data, s, children = self.nodes[i]
            if kind == "end":
                return data
            if kind == "chance":
                return sum(p * value(child, reach * p) for child, p in children)
            player, probs, total, values = data, policy[s], np.zeros(2), []
            for k, child in enumerate(children):
                child_reach = reach.copy()
                child_reach[1 - player] *= probs[k]
                v = value(child, child_reach)
                values.append(v[player])
                total += probs[k] * v
            q[s] += reach[player] * np.array(values)
            weight[s] += reach[player]
            return total

        value(0, np.ones(2))
        return [row / max(w, 1e-300) for row, w in zip(q, weight)]

    def exploitability(self, policy: list[np.ndarray]) -> float:
        table = policy_lib.TabularPolicy(self.game)
        for key, s in self.index.items():
            row = table.policy_for_key(key)
            row[:] = 0.0
            row[self.legal[s]] = policy[s]
        return exploitability.exploitability(self.game, table)


def mmd_step(policy, q, alpha: float, eta: float) -> list[np.ndarray]:
    """π' ∝ (π ρ^{αη})^{1/(1+αη)} exp(η Q / (1+αη)), ρ uniform: the closed-form MMD step."""
    new = []
    for probs, values in zip(policy, q):
        logits = (np.log(probs) - eta * alpha * np.log(len(probs)) + eta * values) / (1 + eta * alpha)
        e = np.exp(logits - logits.max())
        new.append(e / e.sum())
    return new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--game", default="leduc_poker")
    parser.add_argument("--alphas", default="0.3,0.2,0.1,0.05,0.03,0.02,0.015,0.012,0.01")
    parser.add_argument("--eta", type=float, default=0.5, help="MMD step size (2 diverges below α 0.03 on Leduc)")
    parser.add_argument("--iterations", type=int, default=600, help="most MMD steps per α")
    args = parser.parse_args()
    tree = Tree(pyspiel.load_game(args.game))
    policy = [np.ones(len(legal)) / len(legal) for legal in tree.legal]
    print(f"{args.game}: {len(tree.nodes):,} histories, {len(tree.legal):,} information states; "
          f"α in units of the largest stake ({tree.scale:g})")
    print("| α | exploitability of the QRE | MMD steps | last change | s |\n|---|---|---|---|---|")
    for alpha in [float(a) for a in args.alphas.split(",")]:
        start, change, steps = time.process_time(), np.inf, 0
        while steps < args.iterations and change >= 1e-6:
            new = mmd_step(policy, tree.q_values(policy), alpha, args.eta)
            change = max(np.abs(a - b).max() for a, b in zip(new, policy))
            policy, steps = new, steps + 1
        print(f"| {alpha:g} | {tree.exploitability(policy):.4f} | {steps} | {change:.1e} | "
              f"{time.process_time() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
