"""PettingZoo games: classic turn-based (AEC) envs and simultaneous (Parallel) envs, plus the
mpe2 and magent2 packages when they are installed."""

from arena import SIMULTANEOUS, TURN_BASED, hookimpl

# name -> (players, description); ids are "pettingzoo/classic/<name>".
CLASSIC = {
    "chess_v6": (2, "chess"),
    "connect_four_v3": (2, "Connect Four"),
    "go_v5": (2, "Go, 19x19 by default (board_size=9 for smaller)"),
    "hanabi_v5": ("2-5", "Hanabi (cooperative, imperfect information)"),
    "leduc_holdem_v4": (2, "Leduc Hold'em poker"),
    "rps_v2": (2, "rock paper scissors"),
    "texas_holdem_v4": ("2+", "limit Texas Hold'em"),
    "texas_holdem_no_limit_v6": ("2+", "no-limit Texas Hold'em"),
    "tictactoe_v3": (2, "tic-tac-toe"),
}
# Registered but not listed as playable (`arena envs --all` says why); openspiel/hanabi plays.
LEFT_OUT = {
    "hanabi_v5": "PettingZoo's wrapper passes OpenSpiel parameters this pyspiel refuses (a pybind cast error)",
}
PARALLEL = {
    "pettingzoo/butterfly/cooperative_pong_v6": ("pettingzoo.butterfly.cooperative_pong_v6", 2, True,
                                                 "cooperative pong"),
    "pettingzoo/sisl/pursuit_v5": ("pettingzoo.sisl.pursuit_v5", 8, True, "pursuers chase evaders"),
    "mpe2/simple_spread_v3": ("mpe2.simple_spread_v3", 3, True, "cooperative navigation (pip install mpe2)"),
    "mpe2/simple_adversary_v3": ("mpe2.simple_adversary_v3", 3, True, "1 adversary vs 2 agents (pip install mpe2)"),
    "mpe2/simple_tag_v3": ("mpe2.simple_tag_v3", 4, True, "predators vs prey (pip install mpe2)"),
    "magent2/battle_v4": ("magent2.environments.battle_v4", "2 teams", True,
                          "red vs blue armies (pip install magent2)"),
}


# Packages beyond the core, and the extra of arena-league that installs each.
EXTRAS = {"mpe2": "mpe", "magent2": "magent"}


@hookimpl
def register_envs(register):
    for name, (players, description) in CLASSIC.items():
        register(f"pettingzoo/classic/{name}", "arena_pettingzoo.env:make",
                 kind=TURN_BASED, players=players, description=description,
                 options={"module": f"pettingzoo.classic.{name}", "kind": TURN_BASED},
                 left_out=LEFT_OUT.get(name))
    for env_id, (module, players, teams, description) in PARALLEL.items():
        package = module.split(".")[0]
        extra = EXTRAS.get(package)
        register(env_id, "arena_pettingzoo.env:make", kind=SIMULTANEOUS, players=players,
                 teams=teams, description=description,
                 options={"module": module, "kind": SIMULTANEOUS, "teams": teams},
                 needs=(package,) if extra else (), install=f"pip install 'arena-league[{extra}]'" if extra else "")
