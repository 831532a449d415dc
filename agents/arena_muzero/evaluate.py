"""Evaluation that cannot hide failure: many batched games against random from both
seats, an exhaustive walk over every opponent move sequence, and a position-by-position
comparison of the raw network with an exact minimax solver (small OpenSpiel games)."""

from __future__ import annotations

import numpy as np
import pyspiel

from arena import make_agent, make_env
from arena.agents import Observation
from arena_muzero.agent import Player
from arena_muzero.selfplay import observe


def vs_random(player: Player, env_id: str, games: int, seat: int, seed: int = 0) -> dict[str, float]:
    return vs_agent(player, env_id, games, seat, "random", seed)


def vs_agent(player: Player, env_id: str, games: int, seat: int, opponent: str = "random",
             seed: int = 0) -> dict[str, float]:
    """`games` games with the agent in `seat` against an arena agent (`opponent` is its
    spec, e.g. "mcts:sims=100"), one instance per game; our moves are one batch per ply."""
    envs = [make_env(env_id) for _ in range(games)]
    rivals = [make_agent(opponent, envs[0]) for _ in range(games)]
    other = 1 - seat
    for i, (env, rival) in enumerate(zip(envs, rivals)):
        env.reset(seed * 100_003 + i)
        rival.reset((other,), seed * 100_003 + i)
    fm = rivals[0].needs_forward_model
    while live := [i for i, env in enumerate(envs) if not env.is_over()]:
        mine = [i for i in live if envs[i].to_move()[0] == seat]
        if mine:
            obs = np.stack([observe(envs[i], seat) for i in mine])
            legal = np.stack([envs[i].legal_mask(seat) for i in mine])
            for i, a in zip(mine, player.choose(obs, np.full(len(mine), seat), legal)):
                envs[i].step({seat: int(a)})
        for i in live:
            if not envs[i].is_over() and envs[i].to_move()[0] == other:
                envs[i].step({other: int(rivals[i].act(Observation(envs[i], other, None, fm)))})
    for rival in rivals:
        rival.close()
    results = np.array([np.sign(env.returns()[seat]) for env in envs])
    return {"win": float((results > 0).mean()), "draw": float((results == 0).mean()),
            "loss": float((results < 0).mean())}


def exhaustive(player: Player, game: pyspiel.Game, seat: int) -> dict[str, int]:
    """Walk every opponent move sequence against the (deterministic) agent in `seat`,
    one batched decision per level. Counts the lines (leaves) and those lost or won."""
    frontier, lines, lost, won = [game.new_initial_state()], 0, 0, 0
    while frontier:
        nxt = []
        mine = [s for s in frontier if not s.is_terminal() and s.current_player() == seat]
        for s in frontier:
            if s.is_terminal():
                lines += 1
                lost += s.returns()[seat] < 0
                won += s.returns()[seat] > 0
            elif s.current_player() != seat:
                nxt.extend(s.child(a) for a in s.legal_actions())
        if mine:
            actions = player.choose(*_batch(mine, game))
            nxt.extend(s.child(int(a)) for s, a in zip(mine, actions))
        frontier = nxt
    return {"lines": lines, "lost": lost, "won": won}


def _batch(states, game):
    shape = game.observation_tensor_shape()
    obs = np.stack([np.asarray(s.observation_tensor(s.current_player()), np.float32) for s in states])
    players = np.array([s.current_player() for s in states])
    legal = np.zeros((len(states), game.num_distinct_actions()), bool)
    for i, s in enumerate(states):
        legal[i, s.legal_actions()] = True
    return obs.reshape(len(states), int(np.prod(shape))), players, legal


def solve(game: pyspiel.Game) -> dict[str, tuple[pyspiel.State, int, set[int]]]:
    """Every reachable non-terminal state: (state, minimax value for the mover, optimal moves)."""
    table: dict[str, tuple] = {}

    def visit(state) -> int:  # value for the player to move
        if state.is_terminal():
            return 0
        key = str(state)
        if key in table:
            return table[key][1]
        mover = state.current_player()
        q = {}
        for a in state.legal_actions():
            child = state.child(a)
            q[a] = int(child.returns()[mover]) if child.is_terminal() else -visit(child)
        best = max(q.values())
        table[key] = (state, best, {a for a, v in q.items() if v == best})
        return best

    visit(game.new_initial_state())
    return table


def position_stats(net, game: pyspiel.Game) -> dict[str, float]:
    """Share of reachable non-terminal positions where the raw policy's best legal move is
    minimax-optimal, and where the value head agrees with the minimax value (its sign, and
    its rounding to -1 / 0 / +1)."""
    import torch

    states, values, optimal = zip(*solve(game).values())
    obs, players, legal = _batch(states, game)
    with torch.no_grad():
        _, logits, v = net.initial(torch.from_numpy(obs).view(len(states), *game.observation_tensor_shape()),
                                   torch.from_numpy(players))
    best = np.where(legal, logits.numpy(), -np.inf).argmax(-1)
    v, target = v.numpy(), np.array(values)
    return {
        "positions": len(states),
        "policy_optimal": float(np.mean([a in opt for a, opt in zip(best, optimal)])),
        "value_sign": float(np.mean(np.where(target == 0, np.abs(v) < 0.5, np.sign(v) == target))),
        "value_rounded": float(np.mean(np.clip(np.round(v), -1, 1) == target)),
    }


def tactics(player: Player, game: pyspiel.Game, positions: int = 3000, seed: int = 0) -> dict[str, float]:
    """One-move tactics on positions from uniformly random games, checked with the real
    rules: where the mover can win at once, does it (`win`)? Where it cannot, but the
    opponent threatens to win next move and some move stops that, does it stop it (`block`)?
    A learnt model that misses these loses to any searcher, whatever its strategy."""
    rng = np.random.default_rng(seed)
    found: dict[str, list] = {"win": [], "block": []}
    while len(found["win"]) + len(found["block"]) < positions:
        state = game.new_initial_state()
        while not state.is_terminal():
            legal = state.legal_actions()
            if wins := {a for a in legal if _wins(state, a)}:
                found["win"].append((state.clone(), wins))
            elif 0 < len(safe := {a for a in legal if not _gives_a_win(state, a)}) < len(legal):
                found["block"].append((state.clone(), safe))
            state.apply_action(int(rng.choice(legal)))
    out = {}
    for kind, cases in found.items():
        actions = player.choose(*_batch([s for s, _ in cases], game)) if cases else []
        hits = [a in good for a, (_, good) in zip(actions, cases)]
        out[kind] = float(np.mean(hits)) if hits else float("nan")
        out[f"{kind}_positions"] = len(cases)
    return out


def _wins(state: pyspiel.State, action: int) -> bool:
    mover, child = state.current_player(), state.child(action)
    return child.is_terminal() and child.returns()[mover] > 0


def _gives_a_win(state: pyspiel.State, action: int) -> bool:
    child = state.child(action)
    return not child.is_terminal() and any(_wins(child, a) for a in child.legal_actions())
