"""Baseline agents: random, OpenSpiel's C++ MCTS, exact/alpha-beta minimax, CFR+, a scripted
magent2 battle army, a human."""

from arena import SIMULTANEOUS, TURN_BASED, Requirements, hookimpl


@hookimpl
def register_agents(register):
    register("random", "arena_baselines.simple:RandomAgent",
             description="uniform over legal moves, seeded; plays every game")
    register("mcts", "arena_baselines.mcts:MCTSAgent",
             description="OpenSpiel C++ MCTS with random rollouts (sims, uct_c, solve)",
             requires=Requirements(kind=TURN_BASED, forward_model=True))
    register("minimax", "arena_baselines.minimax:MinimaxAgent",
             description="exact cached solver for small games, else depth-limited alpha-beta",
             requires=Requirements(kind=TURN_BASED, forward_model=True, players=2))
    register("cfr", "arena_baselines.cfr:CFRAgent",
             description="OpenSpiel's CFR+ average policy, solved at load and cached "
                         "(iterations, greedy); small two-player zero-sum games",
             requires=Requirements(kind=TURN_BASED, players=2, envs=("openspiel/*",)))
    register("battle-scripted", "arena_baselines.battle:BattleScripted",
             description="magent2 battle army: attack an adjacent enemy, else advance on the nearest",
             requires=Requirements(kind=SIMULTANEOUS, envs=("magent2/battle_v4*",)))
    register("human", "arena_baselines.simple:HumanAgent",
             description="you, at the terminal", requires=Requirements(kind=TURN_BASED),
             interactive=True)
