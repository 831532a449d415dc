"""PPO: the `ppo` trainer (`arena train ppo ENV`) and the `ppo:checkpoint=PATH` agent.

Simultaneous-move team games train team PPO in the style of OpenAI Five (train.py); turn-based
two-player zero-sum games train by magnetic mirror descent (turns.py)."""

from arena import hookimpl

# torch comes with the `train` extra; without it these are listed with that command.
TRAIN = {"needs": ("torch",), "install": "pip install 'arena-league[train]'"}


@hookimpl
def register_agents(register):
    register("ppo", "arena_ppo.agent:PPOAgent",
             description="PPO policy from a checkpoint (checkpoint=PATH, default: the bundled "
                         "fivehero/5v5 one; greedy); the checkpoint names the game it plays",
             **TRAIN)


@hookimpl
def register_trainers(register):
    register("ppo", "arena_ppo.train:command",
             description="PPO: magnetic mirror descent self-play for turn-based two-player "
                         "zero-sum games; team PPO for simultaneous-move envs", **TRAIN)
