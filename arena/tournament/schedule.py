"""Schedules as pure functions of the settings.

Every game is (round, group, game index) and gets its seed from (tournament seed, round,
group, cycle). Two-player games come in seat-swapped pairs sharing one seed; with more sides
a cycle rotates the seats through every position, again on one seed. So a rerun of the same
command knows exactly which games are missing and plays them with the seeds they would have
had (resume = set difference on keys). Swiss rounds depend on earlier results, which are
read back from the store, so they resume too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import combinations

import numpy as np

from arena.backends import Job
from arena.referee import GameRecord


def game_seed(seed: int, round_: int, group: Sequence[int], cycle: int) -> int:
    return int(np.random.SeedSequence([seed, round_, *group, cycle]).generate_state(1)[0])


def group_games(round_: int, group: Sequence[int], agents: Sequence[str], games: int, seed: int) -> list[Job]:
    """`games` games of one group of agents: cycles of seat rotations sharing a seed."""
    k, jobs = len(group), []
    for g in range(games):
        cycle, shift = divmod(g, k)
        order = tuple(group[shift:]) + tuple(group[:shift])
        key = f"r{round_}:{'-'.join(map(str, group))}:{g}"
        jobs.append(Job(key, game_seed(seed, round_, group, cycle), tuple(agents[i] for i in order)))
    return jobs


def fixed_groups(fmt: str, n_agents: int, sides: int) -> list[tuple[int, ...]]:
    """Groups of agent indices that meet in a round robin (all) or gauntlet (agent 0 vs field)."""
    if fmt == "round-robin":
        return list(combinations(range(n_agents), sides))
    return [(0, *rest) for rest in combinations(range(1, n_agents), sides - 1)]


def swiss_pairs(
    points: Sequence[float], played: set[frozenset], byes: set[int]
) -> tuple[list[tuple[int, int]], int | None]:
    """Pair agents within score groups (best first), never repeating a pairing if it can be
    avoided; with an odd field the lowest-ranked agent without a bye sits out."""
    order = sorted(range(len(points)), key=lambda i: (-points[i], i))
    bye = None
    if len(order) % 2:
        bye = next((i for i in reversed(order) if i not in byes), order[-1])
        order.remove(bye)
    pairs = _pair_without_repeats(order, played)
    if pairs is None:  # everyone has met everyone: allow repeats, still by score
        pairs = list(zip(order[::2], order[1::2]))
    return pairs, bye


def _pair_without_repeats(order: list[int], played: set[frozenset]) -> list[tuple[int, int]] | None:
    if not order:
        return []
    first, rest = order[0], order[1:]
    for i, other in enumerate(rest):
        if frozenset((first, other)) not in played:
            tail = _pair_without_repeats(rest[:i] + rest[i + 1 :], played)
            if tail is not None:
                return [(first, other), *tail]
    return None


def total_games(fmt: str, n_agents: int, sides: int, rounds: int, games: int) -> int:
    per_round = n_agents // 2 if fmt == "swiss" else len(fixed_groups(fmt, n_agents, sides))
    return rounds * per_round * games


def rounds(
    fmt: str, agents: Sequence[str], sides: int, n_rounds: int, games: int, seed: int, done: dict[str, GameRecord]
) -> Iterator[list[Job]]:
    """The games of each round; a Swiss round is paired from the results before it, read
    from `done` (so the caller must have stored every game of a round before the next)."""
    if fmt != "swiss":
        groups = fixed_groups(fmt, len(agents), sides)
        yield [job for r in range(n_rounds) for g in groups for job in group_games(r, g, agents, games, seed)]
        return
    index = {spec: i for i, spec in enumerate(agents)}
    points = [0.0] * len(agents)
    played: set[frozenset] = set()
    byes: set[int] = set()
    for r in range(n_rounds):
        pairs, bye = swiss_pairs(points, played, byes)
        jobs = [job for pair in pairs for job in group_games(r, pair, agents, games, seed)]
        yield jobs
        for job in jobs:  # all stored now: score the round
            record = done[job.key]
            for spec, score in zip(record.players, record.scores):
                points[index[spec]] += score
        played |= {frozenset(p) for p in pairs}
        if bye is not None:
            byes.add(bye)
            points[bye] += games / 2  # a bye counts as drawn games


def pair_jobs(a: str, b: str, seed: int, start: int = 0) -> Iterator[Job]:
    """Endless seat-swapped pairs of A and B, keyed and seeded like a round-robin group."""
    pair = start
    while True:
        yield from group_games(pair, (0, 1), [a, b], 2, seed)
        pair += 1


def key_order(key: str):
    """Schedule order of keys 'r{round}:{group}:{game}' (external keys sort last)."""
    try:
        r, group, g = key.split(":")
        return (0, int(r[1:]), tuple(map(int, group.split("-"))), int(g))
    except ValueError:
        return (1, key)


def round_of(key: str) -> int:
    return int(key.split(":")[0][1:])


def take_while(items: Iterator[Job], keep: Callable[[Job], bool]) -> Iterator[Job]:
    for item in items:
        if not keep(item):
            return
        yield item
