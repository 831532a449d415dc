"""Which rating differences the games can measure at all (Ordo's `-g` groups).

Zermelo (1929) / Ford (1957), as Hunter (2004) states it: the Bradley–Terry MLE is finite iff the
directed graph "a took at least half a point from b" is strongly connected. So:
- agents in different *weakly* connected components never met, directly or through others: their
  difference is not measured at all (Ordo: "groups that are not connected");
- agents in different *strongly* connected components of one weak component are connected only
  through perfect scores: if a reaches b (a took points from someone who ... took points from b)
  but b never reaches a, the data say r_a − r_b is large but not how large, so the difference is
  bounded below only. Ordo rates such players as bounds (`> 851`) for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, shortest_path


@dataclass(frozen=True)
class Groups:
    component: np.ndarray  # weak component of each agent (0 = the one with most agents)
    tier: np.ndarray  # strong component of each agent
    reach: np.ndarray  # reach[a, b]: a path of "took points from" leads from a to b

    def bounded_above(self, a: int, b: int) -> bool:
        """True when the games bound r_a − r_b from above (b is not infinitely better than a)."""
        return bool(self.reach[b, a])

    @property
    def n_components(self) -> int:
        return int(self.component.max()) + 1 if len(self.component) else 0


def comparison_groups(k: int, i: np.ndarray, j: np.ndarray, wdl: np.ndarray) -> Groups:
    """Groups of k agents from pair counts wdl[p] = (wins, draws, losses) of i[p] against j[p]."""
    i_scored = wdl[:, 0] + wdl[:, 1] > 0  # i took points from j
    j_scored = wdl[:, 2] + wdl[:, 1] > 0
    src = np.concatenate([i[i_scored], j[j_scored]])
    dst = np.concatenate([j[i_scored], i[j_scored]])
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(k, k)).tocsr()
    _, weak = connected_components(graph, directed=True, connection="weak")
    n_strong, strong = connected_components(graph, directed=True, connection="strong")
    # Reachability between strong components on the (small) condensed graph.
    cond = coo_matrix((np.ones(len(src)), (strong[src], strong[dst])), shape=(n_strong, n_strong)).tocsr()
    reach_tier = np.isfinite(shortest_path(cond, unweighted=True, directed=True))
    return Groups(_by_size(weak), strong, reach_tier[np.ix_(strong, strong)])


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel components so that 0 is the largest (ties: the one seen first)."""
    values, first, sizes = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(values)), key=lambda v: (-sizes[v], first[v]))
    relabel = np.empty(len(values), dtype=np.int64)
    relabel[order] = np.arange(len(values))
    return relabel[np.searchsorted(values, labels)]
