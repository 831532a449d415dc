"""UCT with random rollouts over any arena.ForwardModel: the path for games that are not
OpenSpiel's (those get OpenSpiel's C++ MCTSBot). UCB1 applied to trees (Kocsis and
Szepesvári, "Bandit based Monte-Carlo Planning", ECML 2006); expansion, rollout and backup
as in OpenSpiel's python/algorithms/mcts.py, without its solver.
"""

from __future__ import annotations

import math
import random

from arena import ForwardModel


class Node:
    __slots__ = ("player", "visits", "total", "children")

    def __init__(self) -> None:
        self.player = -1  # the seat to move here, once expanded
        self.visits = 0
        self.total = 0.0  # returns, from the view of the seat that chose the move into here
        self.children: dict[int, Node] | None = None

    def select(self, uct_c: float) -> tuple[int, Node]:
        """The child maximising UCB1; an unvisited child first, in legal-action order."""
        assert self.children
        log_n = math.log(max(self.visits, 1))

        def ucb(child: Node) -> float:
            if child.visits == 0:
                return math.inf
            return child.total / child.visits + uct_c * math.sqrt(log_n / child.visits)

        return max(self.children.items(), key=lambda item: ucb(item[1]))


def uct_search(root: ForwardModel, sims: int, uct_c: float, rng: random.Random,
               max_rollout: int = 10_000) -> int:
    """The most visited action at `root` after `sims` simulations."""
    tree = Node()
    for _ in range(sims):
        state, node, path = root.clone(), tree, [tree]
        while node.children and not state.is_terminal():  # selection
            action, node = node.select(uct_c)
            state.apply_action(action)
            path.append(node)
        if not state.is_terminal():  # expansion
            node.player = state.current_player()
            node.children = {a: Node() for a in state.legal_actions()}
            action = rng.choice(list(node.children))
            state.apply_action(action)
            path.append(node.children[action])
        for _ in range(max_rollout):  # rollout
            if state.is_terminal():
                break
            state.apply_action(rng.choice(state.legal_actions()))
        returns = state.returns()
        for parent, child in zip(path, path[1:]):  # backup
            child.visits += 1
            child.total += returns[parent.player]
        tree.visits += 1
    assert tree.children, "uct_search needs a position with a legal move"
    return max(tree.children.items(), key=lambda item: (item[1].visits, item[1].total))[0]
