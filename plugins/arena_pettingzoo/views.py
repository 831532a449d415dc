"""Text boards and move names for PettingZoo envs that only draw pictures.

Most classic envs render to a pygame window or an RGB array, not text, so `arena play
--render` and `arena replay --render` printed blank lines for them. These views read the
env's own state (its board list, its python-chess board) and write the position in the
characters OpenSpiel uses for the same games, so a replay looks the same in both families.
Envs without a board get a one-line account of whose turn it is, never an empty string.
"""

from __future__ import annotations

from typing import Any

PIECES = ".XO"  # empty, first player, second player


def text_view(env: Any) -> str:
    """The position as text: the env's own ansi render where it has one, else a board
    drawn from its state, else one line saying that this env has no board to show."""
    raw = getattr(env, "unwrapped", env)
    if callable(getattr(raw, "render_ansi", None)):  # fivehero and envs like it
        return str(raw.render_ansi())
    board = getattr(raw, "board", None)
    if board is not None and hasattr(board, "fen"):  # python-chess
        return str(board)
    if hasattr(board, "squares"):  # tictactoe_v3: squares numbered down the columns
        sq = board.squares
        return "\n".join("".join(PIECES[sq[col * 3 + row]] for col in range(3)) for row in range(3))
    if isinstance(board, list) and len(board) == 42:  # connect_four_v3: row-major, top row first
        return "\n".join("".join(PIECES[v] for v in board[r * 7:(r + 1) * 7]) for r in range(6))
    go = getattr(raw, "_go", None)
    if go is not None and hasattr(go, "board"):  # go_v5: 1 black, -1 white
        return "\n".join("".join({0: "+", 1: "X", -1: "O"}[int(v)] for v in row) for row in go.board)
    moves, last = getattr(raw, "_moves", None), getattr(raw, "state", None)
    if isinstance(moves, list) and isinstance(last, dict):  # rps_v2: the last round's throws
        throws = ", ".join(f"{agent} {moves[m].lower()}" for agent, m in last.items() if m < len(moves) - 1)
        return f"round {getattr(raw, 'num_moves', '?')}: " + (throws or "no throws yet")
    agents = list(getattr(raw, "agents", []) or [])
    selected = getattr(raw, "agent_selection", None)
    return (f"({type(raw).__name__} has no text board; "
            + (f"{selected} to move" if selected in agents else f"{len(agents)} agents live") + ")")


def action_name(env: Any, seat_name: str, action: int) -> str:
    """A move in the game's own words where the env defines them: chess in SAN, tic-tac-toe
    as mark(row,col), Connect Four as mark and column (OpenSpiel's spelling), fivehero's
    named actions; otherwise the action id."""
    raw = getattr(env, "unwrapped", env)
    if callable(getattr(raw, "action_name", None)):
        return str(raw.action_name(action))
    moves = getattr(raw, "_moves", None)
    if isinstance(moves, list) and 0 <= action < len(moves) - 1:  # rps_v2
        return moves[action].lower()
    board = getattr(raw, "board", None)
    mark = "xo"[list(raw.possible_agents).index(seat_name) % 2] if seat_name in raw.possible_agents else "?"
    if board is not None and hasattr(board, "san"):
        from pettingzoo.classic.chess import chess_utils

        try:
            move = chess_utils.action_to_move(board, int(action), list(raw.possible_agents).index(seat_name))
            return board.san(move)
        except Exception:  # noqa: BLE001 - an illegal id has no SAN; show the id instead
            return str(action)
    if hasattr(board, "squares") and 0 <= action < 9:
        return f"{mark}({action % 3},{action // 3})"
    if isinstance(board, list) and len(board) == 42 and 0 <= action < 7:
        return f"{mark}{action}"
    return str(action)
