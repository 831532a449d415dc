"""Stored games for people: each move under the game's own name, and the position after it.

A record stores action ids, which only the env can name, and names depend on the position
(OpenSpiel's chess writes SAN, which needs the board before the move). So names and frames
come from replaying the record through the referee with its seed, an agent per side that
plays the stored moves and notes each move's name while the position is still on the board.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from arena.agents import Agent, Observation, ObservationProtocol
from arena.referee import GameRecord, play


@dataclass
class Frame:
    """The position after `ply` steps (0: the start) and the step that led to it."""

    ply: int
    text: str
    moves: list[dict] = field(default_factory=list)  # [{"seat", "action", "name"}], empty at ply 0


class _Narrator(Agent):
    """Plays one side's stored moves; all sides share the step cursor and the notes."""

    def __init__(self, env_info, script: list[dict[int, int]], shared: dict):
        super().__init__(env_info)
        self.script, self.shared = script, shared

    def act(self, obs: ObservationProtocol) -> int:
        step = self.shared["step"]
        if step == 0 and not self.shared["start"]:
            # The referee shows agents no whole-board view; the start position is read
            # from the env behind the observation, before anyone has moved.
            assert isinstance(obs, Observation)  # a narrator plays in the referee's process
            self.shared["start"].append(obs._env.render())
        if step >= len(self.script) or obs.seat not in self.script[step]:
            raise RuntimeError("the stored game has no further move for this seat")
        action = self.script[step][obs.seat]
        try:
            self.shared["names"][step, obs.seat] = obs.action_to_string(action)
        except Exception:  # noqa: BLE001 - an id the env cannot name is shown as a number
            self.shared["names"][step, obs.seat] = str(action)
        return action


def frames(record: GameRecord, render: bool = True) -> list[Frame]:
    """Replay `record` and return its frames: the start, then one per stored step with the
    moves named. `render=False` skips the text (names only, faster for long lists)."""
    from arena.api import make_env

    env = make_env(record.env_id)
    script = [{seat: action for seat, action in step} for step in record.moves]
    shared: dict = {"step": 0, "names": {}, "start": []}
    out: list[Frame] = []

    def advance(env, rec):
        step = shared["step"]
        moves = [{"seat": s, "action": a, "name": shared["names"].get((step, s), str(a))} for s, a in rec.moves[-1]]
        out.append(Frame(step + 1, env.render() if render else "", moves))
        shared["step"] += 1

    agents = [_Narrator(env.info, script, shared) for _ in record.players]
    try:
        play(env, agents, record.seed, names=list(record.players), on_step=advance)
        start = shared["start"][0] if shared["start"] else (env.render() if not out else "")
    finally:
        env.close()
    return [Frame(0, start if render else ""), *out]


def move_names(record: GameRecord) -> list[list[str]]:
    """Per stored step, the names of its moves in the stored order (ids where a replay is
    impossible, e.g. the game's plugin is not installed)."""
    try:
        replayed = frames(record, render=False)[1:]
    except Exception:  # noqa: BLE001 - a listing must not fail on one odd game
        replayed = []
    if len(replayed) != len(record.moves):
        return [[str(a) for _, a in step] for step in record.moves]
    return [[m["name"] for m in f.moves] for f in replayed]
