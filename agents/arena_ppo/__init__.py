"""Team PPO in the style of OpenAI Five: the `ppo` trainer (`arena train ppo ENV`) and the
`ppo:checkpoint=PATH` agent that plays a whole team with a trained policy."""

from arena import SIMULTANEOUS, Requirements, hookimpl


# torch comes with the `train` extra; without it these are listed with that command.
TRAIN = {"needs": ("torch",), "install": "pip install 'arena-league[train]'"}


@hookimpl
def register_agents(register):
    register("ppo", "arena_ppo.agent:PPOAgent",
             description="team PPO policy from a checkpoint (checkpoint=PATH, default: the bundled "
                         "fivehero/5v5 one; greedy)",
             requires=Requirements(kind=SIMULTANEOUS), **TRAIN)


@hookimpl
def register_trainers(register):
    register("ppo", "arena_ppo.train:command",
             description="team PPO: self-play for team-vs-team envs, cooperative otherwise", **TRAIN)
