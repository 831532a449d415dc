"""Bradley–Terry maximum likelihood ratings on the Elo scale.

Model (ratings.md formula 2; Hunter 2004): P(a beats b) = σ(α (r_a − r_b)), α = ln10/400,
so a 400-point gap means 10:1 odds. A draw counts as half a win and half a loss.
Games are first aggregated into win/draw/loss counts per pair, so a fit costs O(pairs),
not O(games); Newton's method on the dense Hessian (a weighted graph Laplacian) converges in a
handful of steps up to DENSE_LIMIT agents, L-BFGS beyond.

Virtual draws (BayesElo's kind of prior): every pair that met gets VIRTUAL_DRAWS extra drawn
games. A perfect score then gives a finite rating (10-0 reads as 10.5/11, +515 Elo) and the
outward bias of the MLE on few games shrinks; it moves nothing between pairs that never met.
A rating it determines (a difference the games bound on one side only) is flagged by `fit_bt`.

Gauge: the data fix differences within a connected component only; `mle` returns each
component at mean 0, and `gauge` shifts the anchor's component (default `random = 0` when an
agent named "random" is present, else mean 0; or an explicit anchor {name: elo}).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.optimize import minimize
from scipy.special import erfc, expit

from .groups import comparison_groups

ALPHA = math.log(10) / 400
DENSE_LIMIT = 2500  # agents; beyond it a dense Hessian costs too much memory: L-BFGS
DEFAULT_ANCHOR = "random"


@dataclass(frozen=True)
class PairCounts:
    """Outcome counts per unordered pair: wdl[p] = (wins, draws, losses) of names[i[p]] vs names[j[p]]."""

    names: tuple[str, ...]
    i: np.ndarray
    j: np.ndarray
    wdl: np.ndarray

    @classmethod
    def from_arrays(cls, names: Sequence[str], a, b, score, count=None) -> PairCounts:
        """Vectorised aggregation: a, b are agent indices, score is a's score (1, ½, 0), count
        how many such games (1 each by default)."""
        a, b, score = np.asarray(a), np.asarray(b), np.asarray(score, dtype=float)
        count = np.ones(len(a), dtype=np.int64) if count is None else np.asarray(count, dtype=np.int64)
        keep = a != b  # self-play says nothing about relative strength
        a, b, score, count = a[keep], b[keep], score[keep], count[keep]
        swap = a > b
        i, j = np.where(swap, b, a), np.where(swap, a, b)
        s = np.where(swap, 1 - score, score)
        outcome = np.where(s > 0.5, 0, np.where(s < 0.5, 2, 1))
        k = len(names)
        keys, inverse = np.unique(i.astype(np.int64) * k + j, return_inverse=True)
        wdl = np.bincount(inverse * 3 + outcome, count, minlength=3 * len(keys)).astype(np.int64).reshape(-1, 3)
        return cls(tuple(names), keys // k, keys % k, wdl)

    @classmethod
    def from_games(cls, games: Iterable[tuple[str, str, float]], names: Sequence[str] = ()) -> PairCounts:
        """Aggregate (agent_a, agent_b, score_of_a) triples; `names` fixes order and adds idle agents."""
        index = {n: k for k, n in enumerate(names)}
        a, b, s = [], [], []
        for x, y, score in games:
            a.append(index.setdefault(x, len(index)))
            b.append(index.setdefault(y, len(index)))
            s.append(score)
        return cls.from_arrays(list(index), np.array(a, dtype=np.int64), np.array(b, dtype=np.int64), s)

    def with_wdl(self, wdl: np.ndarray) -> PairCounts:
        return PairCounts(self.names, self.i, self.j, wdl)


VIRTUAL_DRAWS = 0.5  # per agent, shared among its opponents; see the module docstring


def _data(counts: PairCounts, virtual_draws: float):
    """Per pair: points of i (draw = half a win, virtual draws included) and games, as floats.
    An agent's virtual draws are spread over its opponents (pair weight 2v/(deg_i + deg_j)), so
    their pull does not grow with the size of the field."""
    k = len(counts.names)
    deg = np.bincount(counts.i, minlength=k) + np.bincount(counts.j, minlength=k)
    v = 2 * virtual_draws / np.maximum(deg[counts.i] + deg[counts.j], 1)
    n = counts.wdl.sum(axis=1) + v
    won = counts.wdl[:, 0] + 0.5 * counts.wdl[:, 1] + 0.5 * v
    return won.astype(float), n.astype(float)


def _softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _objective(theta, i, j, won, n, comp, lam=0.0):
    """Negative log-likelihood in natural units θ = α r, plus ½ Σ_c (Σ_{a∈c} θ_a)²: the data only
    fix differences within a component, so each component's mean is pinned to 0 (a gauge, not a
    prior: it moves no difference). With x = θ_i − θ_j: nll = Σ n softplus(x) − won x."""
    x = theta[i] - theta[j]
    total = np.bincount(comp, theta)
    nll = np.sum(n * _softplus(x) - won * x) + 0.5 * total @ total + 0.5 * lam * theta @ theta
    return nll, _gradient(theta, x, i, j, won, n, comp, total, lam)


def _gradient(theta, x, i, j, won, n, comp, total=None, lam=0.0):
    g = n * expit(x) - won  # d nll / d x
    k = len(theta)
    total = np.bincount(comp, theta) if total is None else total
    return np.bincount(i, g, minlength=k) - np.bincount(j, g, minlength=k) + total[comp] + lam * theta


def _hessian(theta, i, j, n, comp, lam=0.0):
    """Dense Hessian: the weighted graph Laplacian Σ w (e_i − e_j)(e_i − e_j)ᵀ plus the gauge term."""
    k = len(theta)
    p = expit(theta[i] - theta[j])
    w = n * p * (1 - p)
    deg = np.bincount(i, w, minlength=k) + np.bincount(j, w, minlength=k)
    h = -np.bincount(i * k + j, w, minlength=k * k).reshape(k, k).astype(float)  # int when no pairs
    h += h.T
    h[np.diag_indices(k)] += deg
    h += comp[:, None] == comp[None, :]
    h[np.diag_indices(k)] += lam + 1e-9  # far-apart pairs can underflow w to 0: keep it positive definite
    return h


def _newton(theta, i, j, won, n, comp, factor=None, tol=1e-7, max_iter=100, lam=0.0):
    """Newton's method with backtracking (the objective is strictly convex), to steps below `tol`
    (natural units: 1e-7 is 4e-5 Elo). Given `factor`, a Cholesky factor of the Hessian near the
    optimum, it first takes chord steps with it, which need a gradient only: bootstrap refits
    start at the estimate, where that factor is nearly exact. Steps that stop shrinking hand
    over to full Newton."""
    last = np.inf
    for _ in range(30 if factor is not None else 0):
        step = -cho_solve(factor, _gradient(theta, theta[i] - theta[j], i, j, won, n, comp, lam=lam))
        size = np.max(np.abs(step))
        if not size < 0.7 * last:  # diverging or crawling: the Hessian has moved too far
            break
        theta, last = theta + step, size
        if size < tol:
            return theta
    f, g = _objective(theta, i, j, won, n, comp, lam)
    for _ in range(max_iter):
        step = -cho_solve(cho_factor(_hessian(theta, i, j, n, comp, lam)), g)
        t = 1.0
        while True:
            f_new, g_new = _objective(theta + t * step, i, j, won, n, comp, lam)
            if f_new <= f + 1e-4 * t * (g @ step) or t < 1e-10:
                break
            t *= 0.5
        theta, f, g = theta + t * step, f_new, g_new
        if np.max(np.abs(t * step)) < tol:
            break
    return theta


def mle(
    counts: PairCounts,
    x0: np.ndarray | None = None,
    virtual_draws: float = VIRTUAL_DRAWS,
    component: np.ndarray | None = None,
    prior_sd: float | None = None,
) -> np.ndarray:
    """Ratings in Elo, mean 0 within each connected component (call `gauge` next); with
    prior_sd, a N(0, prior_sd²) prior on every rating around its component's mean."""
    won, n = _data(counts, virtual_draws)
    comp = _components(counts) if component is None else component
    lam = 0.0 if prior_sd is None else 1 / (ALPHA * prior_sd) ** 2
    start = np.zeros(len(counts.names)) if x0 is None else ALPHA * np.asarray(x0, dtype=float)
    if len(counts.names) <= DENSE_LIMIT:
        return _newton(start, counts.i, counts.j, won, n, comp, lam=lam) / ALPHA
    res = minimize(
        _objective,
        start,
        args=(counts.i, counts.j, won, n, comp, lam),
        jac=True,
        method="L-BFGS-B",
        options={"ftol": 1e-13, "gtol": 1e-7, "maxiter": 10_000},
    )
    return res.x / ALPHA


def spread(
    counts: PairCounts, ratings: np.ndarray, virtual_draws: float = VIRTUAL_DRAWS, component: np.ndarray | None = None
) -> float:
    """Method-of-moments estimate of the true ratings' standard deviation (Elo): the spread of
    the estimates minus their mean sampling variance (diagonal of the inverse Hessian)."""
    comp = _components(counts) if component is None else component
    _, n = _data(counts, virtual_draws)
    cov = np.linalg.inv(_hessian(ALPHA * ratings, counts.i, counts.j, n, comp)) / ALPHA**2
    centred = ratings - (np.bincount(comp, ratings) / np.bincount(comp))[comp]
    return float(np.sqrt(max(np.mean(centred**2) - np.mean(np.diag(cov)), 0.0)))


def _components(counts: PairCounts) -> np.ndarray:
    return comparison_groups(len(counts.names), counts.i, counts.j, counts.wdl).component


def gauge(
    ratings: np.ndarray,
    names: Sequence[str],
    anchor: Mapping[str, float] | None = None,
    component: np.ndarray | None = None,
):
    """Shift ratings (last axis) to the anchor; returns (shifted, description like 'random = 0').
    Given each agent's component, only the anchor's component moves: the others keep their own
    mean 0, because no game says where they lie relative to the anchor."""
    if anchor is None:
        anchor = {DEFAULT_ANCHOR: 0.0} if DEFAULT_ANCHOR in names else {}
    if not anchor:
        if component is None:
            return ratings - ratings.mean(axis=-1, keepdims=True), "mean = 0"
        return ratings, "mean = 0"  # `mle` already pins each component's mean to 0
    if len(anchor) != 1:
        raise ValueError("anchor must name exactly one agent")
    ((name, value),) = anchor.items()
    if name not in names:
        raise ValueError(f"anchor {name!r} is not in the field; choose one of {', '.join(map(str, names))}")
    k = list(names).index(name)
    shift = value - ratings[..., k : k + 1]
    if component is not None:
        shift = shift * (component == component[k])
    return ratings + shift, f"{name} = {value:g}"


def rank_by_intervals(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Rank_i = 1 + #{j : low_j > high_i}: only clearly better agents push you down (FastChat).
    Depends on the anchor when the intervals are anchor-relative; `fit_bt` ranks by differences."""
    return 1 + (low[None, :] > high[:, None]).sum(axis=1)


def covariance(
    counts: PairCounts,
    ratings: np.ndarray,
    virtual_draws: float = VIRTUAL_DRAWS,
    prior_sd: float | None = None,
    component: np.ndarray | None = None,
) -> np.ndarray:
    """Inverse Hessian of the NLL (with the virtual draws, prior and per-component gauge), in Elo²:
    the covariance of the Laplace approximation of the posterior (BayesElo's error bars)."""
    _, n = _data(counts, virtual_draws)
    comp = _components(counts) if component is None else component
    lam = 0.0 if prior_sd is None else 1 / (ALPHA * prior_sd) ** 2
    return np.linalg.inv(_hessian(ALPHA * ratings, counts.i, counts.j, n, comp, lam)) / ALPHA**2


def los_matrix(ratings: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """LOS[i, j] = P(r_i > r_j) = ½ erfc((r_j − r_i)/√(2 var(r_i − r_j)))  (ratings.md formula 5)."""
    d = np.diag(cov)
    var = np.maximum(d[:, None] + d[None, :] - 2 * cov, 1e-12)
    los = 0.5 * erfc((ratings[None, :] - ratings[:, None]) / np.sqrt(2 * var))
    np.fill_diagonal(los, 0.5)
    return los
