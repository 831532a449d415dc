"""Agents that need no search: uniform random, and a human at the terminal."""

from __future__ import annotations

import random

import click

from arena import Agent, EnvInfo, Observation


class RandomAgent(Agent):
    """Uniform over the legal moves, from the seed the referee hands it."""

    def __init__(self, env_info: EnvInfo):
        super().__init__(env_info)
        self.rng = random.Random(0)

    def reset(self, seats, seed):
        self.rng = random.Random(seed)

    def act(self, obs: Observation) -> int:
        return self.rng.choice(obs.legal_actions)

    def action_probabilities(self, obs: Observation) -> dict[int, float]:
        legal = obs.legal_actions
        return {a: 1.0 / len(legal) for a in legal}


class HumanAgent(Agent):
    """Asks at the terminal; accepts an action id or its name as the game prints it."""

    def act(self, obs: Observation) -> int:
        names = {obs.action_to_string(a): a for a in obs.legal_actions}
        click.echo("legal: " + ", ".join(f"{a}={name}" for name, a in names.items()))
        while True:
            answer = click.prompt(f"seat {obs.seat} move").strip()
            if answer in names:
                return names[answer]
            if answer.lstrip("-").isdigit() and int(answer) in obs.legal_actions:
                return int(answer)
            click.echo(f"{answer!r} is not legal here; type one of the ids or names above")
