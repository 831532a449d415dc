"""Gumbel MuZero search (Danihelka et al. 2022, as in mctx) over a batch of games, with
trees in numpy arrays: one batched network call per simulation step.

Two-player sign convention (negamax, discount γ = -1 every ply):
  v(s)     value of s for the player to move at s;
  r(s, a)  reward to the player who made move a (+1 for a winning move, else 0);
  Q(s, a)  = r(s, a) + γ · v(s')  -- from the view of the player to move at s.
A backup walks leaf → root carrying G ← r + γ G. Only the root knows the rules (the legal
mask); below it the learned dynamics plays on, and past the end of a game it has learnt
absorbing states (reward 0, value 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import numpy as np

NEG = -1e9  # logit of an illegal move (finite: keeps softmax free of NaN)
DISCOUNT = -1.0


class Model(Protocol):
    def initial(self, obs: np.ndarray, player: np.ndarray) -> tuple: ...  # h, logits, value
    def recurrent(self, h: np.ndarray, action: np.ndarray) -> tuple: ...  # h, reward, logits, value


@dataclass(frozen=True)
class SearchConfig:
    num_simulations: int = 16
    gumbel_scale: float = 1.0  # 0 at evaluation: deterministic play
    max_considered: int = 16
    c_visit: float = 50.0
    c_scale: float = 0.1
    known_bounds: bool = False  # rescale Q from [-1, 1] instead of min-max over the moves
    method: str = "gumbel"  # or "puct"
    dirichlet_alpha: float = 0.3  # puct only
    dirichlet_eps: float = 0.25  # puct only


@dataclass
class SearchResult:
    action: np.ndarray  # (B,) move to play
    policy: np.ndarray  # (B, A) improved-policy target
    value: np.ndarray  # (B,) root value estimate, mover's view
    visits: np.ndarray  # (B, A) root visit counts


# -- small pure functions -------------------------------------------------------------------

def softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


@cache
def considered_visits(max_considered: int, num_simulations: int) -> tuple[int, ...]:
    """Sequential Halving as a schedule: the visit count a considered move must have to be
    chosen at each simulation (mctx's get_sequence_of_considered_visits)."""
    if max_considered <= 1:
        return tuple(range(num_simulations))
    log2max = math.ceil(math.log2(max_considered))
    sequence: list[int] = []
    visits = [0] * max_considered
    num_considered = max_considered
    while len(sequence) < num_simulations:
        extra = max(1, num_simulations // (log2max * num_considered))
        for _ in range(extra):
            sequence.extend(visits[:num_considered])
            for i in range(num_considered):
                visits[i] += 1
        num_considered = max(2, num_considered // 2)
    return tuple(sequence[:num_simulations])


def visit_table(max_considered: int, num_simulations: int) -> np.ndarray:
    """(max_considered + 1, num_simulations): row m is the schedule with m considered moves."""
    return np.array([considered_visits(m, num_simulations) for m in range(max_considered + 1)],
                    dtype=np.int64).reshape(max_considered + 1, num_simulations)


def mixed_value(raw_value, q, visits, prior):
    """v_mix: the network's value blended with the prior-weighted Q of visited moves."""
    total = visits.sum(-1)
    seen = visits > 0
    p = np.where(seen, np.maximum(prior, 1e-30), 0.0)
    weighted_q = (p * np.where(seen, q, 0.0)).sum(-1) / np.maximum(p.sum(-1), 1e-30)
    return np.where(total > 0, (raw_value + total * weighted_q) / (total + 1), raw_value)


def completed_q(raw_value, q, visits, logits, mask, c_visit, c_scale, known_bounds=False):
    """σ(completedQ): Q where visited, v_mix elsewhere, rescaled to [0, 1] (min-max over
    `mask`, or from the known bounds [-1, 1]), times (c_visit + max N) · c_scale."""
    completed = np.where(visits > 0, q, mixed_value(raw_value, q, visits, softmax(logits))[:, None])
    if known_bounds:  # tiny differences among equal (e.g. drawn) moves stay tiny
        return (c_visit + visits.max(-1, keepdims=True)) * c_scale * np.clip((completed + 1) / 2, 0, 1)
    lo = np.where(mask, completed, np.inf).min(-1, keepdims=True)
    hi = np.where(mask, completed, -np.inf).max(-1, keepdims=True)
    scaled = (completed - lo) / np.maximum(hi - lo, 1e-8)
    return (c_visit + visits.max(-1, keepdims=True)) * c_scale * scaled


def score_considered(considered_visit, gumbel, logits, sigma_q, visits):
    """g + logits + σ(q), only for moves whose visit count equals `considered_visit`."""
    score = np.maximum(NEG, gumbel + logits - logits.max(-1, keepdims=True) + sigma_q)
    return np.where(visits == considered_visit[:, None], score, -np.inf)


def interior_action(logits, sigma_q, visits):
    """Deterministic selection below the root: argmax π'(a) − N(a) / (1 + ΣN)."""
    improved = softmax(logits + sigma_q)
    return np.argmax(improved - visits / (1.0 + visits.sum(-1, keepdims=True)), -1)


def puct_action(logits, q, visits, mask):
    """AlphaZero's pUCT with Q normalised by the known bounds [-1, 1] (unvisited: 0)."""
    n = visits.sum(-1, keepdims=True)
    c = 1.25 + np.log((n + 19653) / 19652)
    q_bar = np.where(visits > 0, (q + 1) / 2, 0.0)
    score = q_bar + softmax(logits) * np.sqrt(n) / (1 + visits) * c
    return np.argmax(np.where(mask, score, -np.inf), -1)


# -- the tree -------------------------------------------------------------------------------

class Tree:
    """B trees of up to `num_nodes` nodes; node 0 is the root. Node arrays hold what the
    network said (raw value, logits), the reward of the move into the node, and the
    backed-up value sum and visit count."""

    def __init__(self, batch: int, num_nodes: int, num_actions: int, hidden_shape: tuple):
        self.hidden = np.zeros((batch, num_nodes, *hidden_shape), np.float32)
        self.logits = np.zeros((batch, num_nodes, num_actions))
        self.raw_value = np.zeros((batch, num_nodes))
        self.reward = np.zeros((batch, num_nodes))
        self.value_sum = np.zeros((batch, num_nodes))
        self.visits = np.zeros((batch, num_nodes))
        self.children = np.full((batch, num_nodes, num_actions), -1, np.int64)
        self.parent = np.full((batch, num_nodes), -1, np.int64)
        self.rows = np.arange(batch)

    def set_node(self, node, hidden, logits, value, reward):
        r = self.rows
        self.hidden[r, node], self.logits[r, node] = hidden, logits
        self.raw_value[r, node], self.reward[r, node] = value, reward

    def child_stats(self, node):
        """(visits, Q) of each move at `node` (one node per tree); Q from the mover's view."""
        r = self.rows
        idx = self.children[r, node]
        safe = np.maximum(idx, 0)
        n = np.where(idx >= 0, self.visits[r[:, None], safe], 0.0)
        v = self.value_sum[r[:, None], safe] / np.maximum(n, 1)
        q = self.reward[r[:, None], safe] + DISCOUNT * v
        return n, np.where(idx >= 0, q, 0.0)

    def backup(self, leaf, value):
        """Add G to every node on the path leaf → root, with G ← r + γ G at each step up."""
        r, node, g = self.rows, leaf.copy(), value.copy()
        active = np.ones(len(r), bool)
        while active.any():
            ra, na = r[active], node[active]
            self.value_sum[ra, na] += g[active]
            self.visits[ra, na] += 1
            g = self.reward[r, node] + DISCOUNT * g
            node = np.where(active, self.parent[r, node], node)
            active &= node >= 0


def search(model: Model, obs: np.ndarray, player: np.ndarray, legal: np.ndarray,
           cfg: SearchConfig, rng: np.random.Generator, noisy: np.ndarray | None = None) -> SearchResult:
    """Search B positions at once; `legal` (B, A) is the root's legal-move mask; `noisy`
    (B,) bool, if given, picks the games whose root gets Gumbel noise (the rest play greedily)."""
    B, A = legal.shape
    n = cfg.num_simulations
    hidden, logits, value = model.initial(obs, player)
    logits = np.where(legal, logits, NEG)
    tree = Tree(B, n + 1, A, hidden.shape[1:])
    root = np.zeros(B, np.int64)
    tree.set_node(root, hidden, logits, value, 0.0)
    tree.backup(root, value)
    noise = rng.gumbel(size=(B, A)) * cfg.gumbel_scale if cfg.method == "gumbel" else None
    if noise is not None and noisy is not None:
        noise *= noisy[:, None]
    prior = logits
    if cfg.method == "puct" and cfg.dirichlet_eps > 0 and cfg.gumbel_scale > 0:
        prior = _dirichlet_logits(logits, legal, cfg, rng)
    num_considered = np.minimum(np.minimum(cfg.max_considered, legal.sum(-1)), max(n, 1))
    table = visit_table(cfg.max_considered, max(n, 1))
    for sim in range(n):
        node, action = root, _root_action(tree, prior, noise, legal, cfg, table[num_considered, sim])
        while True:  # descend while the chosen child exists
            child = tree.children[tree.rows, node, action]
            expanded = child >= 0
            if not expanded.any():
                break
            node = np.where(expanded, child, node)
            action = np.where(expanded, _interior_action(tree, node, cfg), action)
        new = np.full(B, sim + 1)
        h, reward, lg, v = model.recurrent(tree.hidden[tree.rows, node], action)
        tree.set_node(new, h, lg, v, reward)
        tree.children[tree.rows, node, action] = new
        tree.parent[tree.rows, new] = node
        tree.backup(new, v)
    return _result(tree, prior, noise, legal, cfg, rng)


def _dirichlet_logits(logits, legal, cfg, rng):
    noise = rng.dirichlet([cfg.dirichlet_alpha] * legal.shape[1], size=legal.shape[0])
    noise = np.where(legal, noise, 0.0)
    noise /= noise.sum(-1, keepdims=True)
    mixed = (1 - cfg.dirichlet_eps) * softmax(logits) + cfg.dirichlet_eps * noise
    return np.where(legal, np.log(np.maximum(mixed, 1e-30)), NEG)


def _sigma_q(tree, node, mask, cfg):
    visits, q = tree.child_stats(node)
    sigma = completed_q(tree.raw_value[tree.rows, node], q, visits, tree.logits[tree.rows, node],
                        mask, cfg.c_visit, cfg.c_scale, cfg.known_bounds)
    return sigma, visits, q


def _root_action(tree, prior, noise, legal, cfg, considered_visit):
    root = np.zeros(len(legal), np.int64)
    sigma, visits, q = _sigma_q(tree, root, legal, cfg)
    if cfg.method == "puct":
        return puct_action(prior, q, visits, legal)
    score = score_considered(considered_visit, noise, prior, sigma, visits)
    fallback = np.where(legal, noise + prior + sigma, -np.inf)  # no move at the scheduled count
    score = np.where(np.isfinite(score.max(-1, keepdims=True)), score, fallback)
    return np.argmax(score, -1)


def _interior_action(tree, node, cfg):
    mask = np.ones_like(tree.logits[:, 0], bool)
    sigma, visits, q = _sigma_q(tree, node, mask, cfg)
    if cfg.method == "puct":
        return puct_action(tree.logits[tree.rows, node], q, visits, mask)
    return interior_action(tree.logits[tree.rows, node], sigma, visits)


def _result(tree, prior, noise, legal, cfg, rng) -> SearchResult:
    root = np.zeros(len(legal), np.int64)
    sigma, visits, q = _sigma_q(tree, root, legal, cfg)
    logits = tree.logits[:, 0]
    policy = softmax(np.where(legal, logits + sigma, NEG))
    if cfg.method == "puct":
        counts = np.where(legal, visits, 0.0)
        has = counts.sum(-1, keepdims=True) > 0
        policy = np.where(has, counts / np.maximum(counts.sum(-1, keepdims=True), 1), softmax(logits))
        action = np.argmax(np.where(legal, counts + 1e-3 * softmax(logits), -np.inf), -1)
        if cfg.gumbel_scale > 0:  # sample ∝ visits in self-play
            action = _sample(policy, rng)
    else:
        score = score_considered(visits.max(-1), noise, prior, sigma, visits)
        score = np.where(legal, score, -np.inf)
        action = np.argmax(score, -1)
    value = tree.value_sum[:, 0] / tree.visits[:, 0]
    return SearchResult(action, policy, value, visits)


def _sample(p, rng):
    c = p.cumsum(-1)
    return np.minimum((c < rng.random((len(p), 1)) * c[:, -1:]).sum(-1), p.shape[1] - 1)
