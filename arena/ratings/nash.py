"""Nash averaging (Balduzzi et al. 2018, "Re-evaluating evaluation") for non-transitive populations.

Payoff A[i, j] = score of i against j minus ½ (antisymmetric; 0 for unplayed pairs). We use the
score rather than log-odds because empirical scores of 0 or 1 would make log-odds infinite.
The symmetric zero-sum game has value 0, so p is a Nash mixture iff p ≥ 0, Σp = 1, A p ≤ 0.
Among those we take the maximum-entropy one (unique, and it splits weight evenly between
clones, which is what makes the view invariant to redundant agents). The Nash rating of agent
i is (A p*)_i: its expected score minus ½ against the Nash mixture; 0 for agents in its support.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog, minimize


@dataclass(frozen=True)
class NashAverage:
    weights: np.ndarray  # the max-entropy Nash mixture p*
    rating: np.ndarray  # A p*, in score units (≤ 0; 0 in the support)


def nash_average(payoff: np.ndarray, tol: float = 1e-9) -> NashAverage:
    a = np.asarray(payoff, dtype=float)
    k = len(a)
    # A feasible starting mixture from an LP (any Nash of the zero-sum game).
    lp = linprog(
        np.zeros(k), A_ub=a, b_ub=np.zeros(k), A_eq=np.ones((1, k)), b_eq=[1], bounds=[(0, 1)] * k, method="highs"
    )
    start = 0.5 * lp.x + 0.5 / k if lp.success else np.full(k, 1 / k)

    def neg_entropy(p):
        q = np.maximum(p, 1e-300)
        return np.sum(q * np.log(q)), np.log(q) + 1

    res = minimize(
        neg_entropy,
        start,
        jac=True,
        method="SLSQP",
        bounds=[(0, 1)] * k,
        constraints=[
            {"type": "eq", "fun": lambda p: p.sum() - 1, "jac": lambda p: np.ones(k)},
            {"type": "ineq", "fun": lambda p: -a @ p, "jac": lambda p: -a},
        ],
        options={"ftol": 1e-12, "maxiter": 500},
    )
    p = np.clip(res.x, 0, None)
    p[p < tol] = 0
    p /= p.sum()
    return NashAverage(p, a @ p)
