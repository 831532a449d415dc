"""One row per player, under one name: which stored specs are the same agent, and what to call it.

Identity is `arena.agents.canonical_spec` on the board's env (defaults filled in, parameters
sorted, an agent's own equivalences). Stores keep specs canonical since schema 2; a store of
schema 1 opened read-only still holds them as typed, so boards canonicalise when they read.
The name shown is the display name given on the command line (`mcts100=mcts:sims=100`, kept in
the store by `arena tournament`, or `arena leaderboard --name`), else the shortest spec typed
for that player (the store keeps the spellings: `Store.typed_specs`). The full canonical spec
goes to the row's `spec` field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from arena.agents import canonical_spec, split_display_name
from arena.errors import ArenaError


def identities(
    specs: Iterable[str], env_id: str | None, display: Mapping[str, str] = {}, typed: Mapping[str, list[str]] = {}
) -> dict[str, tuple[str, str]]:
    """spec -> (name shown, canonical spec) for every stored spec; typed: stored spec -> the
    spellings it was given as, candidates for the name shown."""
    specs = list(dict.fromkeys(specs))
    canon = {}
    for spec in specs:
        try:
            canon[spec] = canonical_spec(spec, env_id)
        except ArenaError:  # a spec the installed agent no longer accepts: keep it as typed
            canon[spec] = spec
    spelled: dict[str, list[str]] = {}
    for spec in specs:
        spelled.setdefault(canon[spec], []).extend([spec, *typed.get(spec, [])])
    given = {canon[s]: name for s, name in display.items() if s in canon}
    shown = {c: given.get(c) or min(group, key=lambda s: (len(s), group.index(s))) for c, group in spelled.items()}
    clash = [n for n in set(shown.values()) if list(shown.values()).count(n) > 1]
    if clash:
        raise ArenaError(f"display name {clash[0]!r} names two different agents; give each its own NAME=SPEC")
    return {spec: (shown[canon[spec]], canon[spec]) for spec in specs}


def parse_names(args: Iterable[str], ids: Mapping[str, tuple[str, str]], env_id: str | None) -> dict[str, str]:
    """--name NAME=SPEC options -> {stored spec: NAME}; SPEC may be any spelling of a board's agent."""
    out = {}
    for arg in args:
        name, spec = split_display_name(arg)
        if name is None:
            raise ArenaError(f"--name {arg!r}: expected NAME=SPEC, e.g. mcts100=mcts:sims=100")
        try:
            canon = canonical_spec(spec, env_id)
        except ArenaError:
            canon = spec
        matches = [s for s, (_, c) in ids.items() if c == canon or s == spec]
        if not matches:
            agents = ", ".join(dict.fromkeys(shown for shown, _ in ids.values()))
            raise ArenaError(f"--name {arg!r}: {spec!r} is not an agent of this board; agents: {agents}")
        out.update({s: name for s in matches})
    return out
