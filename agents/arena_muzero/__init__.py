"""MuZero with Gumbel search for two-player board games, sized for a CPU.

    arena train muzero openspiel/tic_tac_toe --minutes 5 --out runs/ttt
    arena play openspiel/tic_tac_toe muzero:checkpoint=runs/ttt/latest.pt minimax

Modules: model (networks), search (Gumbel MuZero / PUCT over numpy trees), selfplay
(batched games + replay), train (loss, loop, CLI), agent (the `muzero` agent), evaluate.
"""

from arena import TURN_BASED, Requirements, hookimpl

# torch comes with the `train` extra; without it these are listed with that command.
TRAIN = {"needs": ("torch",), "install": "pip install 'arena-league[train]'"}


@hookimpl
def register_agents(register):
    register("muzero", "arena_muzero.agent:MuZeroAgent",
             description="MuZero with Gumbel search from a checkpoint (checkpoint, default: the bundled one "
                         "for tic-tac-toe and Connect Four; sims; sims=0: raw policy)",
             requires=Requirements(kind=TURN_BASED, players=2), **TRAIN)


@hookimpl
def register_trainers(register):
    register("muzero", "arena_muzero.train:command",
             description="MuZero self-play training for two-player turn-based games", **TRAIN)
