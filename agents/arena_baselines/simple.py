"""Agents that need no search: uniform random, and a human at the terminal."""

from __future__ import annotations

import random
import sys

import click

from arena import Agent, EnvInfo, ObservationProtocol
from arena.errors import NoMoreInput


class RandomAgent(Agent):
    """Uniform over the legal moves, from the seed the referee hands it."""

    def __init__(self, env_info: EnvInfo):
        super().__init__(env_info)
        self.rng = random.Random(0)

    def reset(self, seats, seed):
        self.rng = random.Random(seed)

    def act(self, obs: ObservationProtocol) -> int:
        return self.rng.choice(obs.legal_actions)

    def action_probabilities(self, obs: ObservationProtocol) -> dict[int, float]:
        legal = obs.legal_actions
        return {a: 1.0 / len(legal) for a in legal}


class HumanAgent(Agent):
    """Asks at the terminal: shows the position and the legal moves by name, and takes a
    move by its name (any case) or its number. At the end of input it raises NoMoreInput:
    the game is abandoned, not scored as anyone's forfeit."""

    def act(self, obs: ObservationProtocol) -> int:
        names = {obs.action_to_string(a): a for a in obs.legal_actions}
        lowered = {name.lower(): a for name, a in names.items()}
        render = getattr(obs, "render", None)  # in-process observations show the position
        board = render() if render else ""
        if board.strip():
            click.echo(board.rstrip("\n"))
        click.echo("legal moves (name or number): " + ", ".join(f"{name} ({a})" for name, a in names.items()))
        while True:
            try:
                answer = click.prompt(f"seat {obs.seat} move", prompt_suffix="> ").strip()
            except (click.exceptions.Abort, EOFError):
                raise NoMoreInput from None
            if not sys.stdin.isatty():  # piped moves: show them, so the log reads as a dialogue
                click.echo(answer)
            if answer in names or answer.lower() in lowered:
                return names.get(answer, lowered.get(answer.lower()))
            if answer.lstrip("-").isdigit() and int(answer) in obs.legal_actions:
                return int(answer)
            click.echo(f"{answer!r} is not legal here; type one of the names or numbers above")
