"""Nim as an arena game plugin: `arena play nim/classic minimax mcts`.

The whole plugin is this hook; the game itself is imported only when a game is built.
"""

from arena import TURN_BASED, hookimpl


@hookimpl
def register_envs(register):
    register(
        "nim/classic", "arena_nim.game:make",
        kind=TURN_BASED, players=2, forward_model=True,
        description="take any number from one heap; taking the last wins "
                    "(heaps=3-4-5, misere=true: taking the last loses)",
    )
