"""An example agent plugin: takes a winning move when one exists, else blocks the
opponent's, else plays at random. Install it with `arena install ./examples/arena-greedy-bot`
(or pip), then `arena play openspiel/tic_tac_toe greedy random`."""

import random

from arena import TURN_BASED, Agent, Requirements, hookimpl


class GreedyAgent(Agent):
    needs_forward_model = True  # it looks one move ahead

    def __init__(self, env_info, *, block: bool = True):
        super().__init__(env_info)
        self.block = block
        self.rng = random.Random(0)

    def reset(self, seats, seed):
        self.rng = random.Random(seed)

    def act(self, obs):
        state = obs.forward_model()
        me = obs.seat
        for action in obs.legal_actions:
            child = state.child(action)
            if child.is_terminal() and child.returns()[me] > 0:
                return action
        if self.block:  # would the opponent win by playing here next?
            for action in obs.legal_actions:
                if _opponent_wins_after_pass(state, action, me):
                    return action
        return self.rng.choice(obs.legal_actions)


def _opponent_wins_after_pass(state, action, me) -> bool:
    """Whether the opponent's best reply to some other move of ours is `action`, winning."""
    for mine in state.legal_actions():
        if mine == action:
            continue
        child = state.child(mine)
        if not child.is_terminal() and action in child.legal_actions():
            reply = child.child(action)
            return reply.is_terminal() and reply.returns()[me] < 0
    return False


@hookimpl
def register_agents(register):
    register("greedy", "arena_greedy_bot:GreedyAgent",
             description="wins at once when it can, else blocks, else random",
             requires=Requirements(kind=TURN_BASED, forward_model=True, players=2))
