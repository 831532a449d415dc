"""Boards the replay viewer can draw, read from a game's text render.

The viewer draws a grid when the text is one: tic-tac-toe and Connect Four boards (rows of
`.xo`), chess as FEN (OpenSpiel) or python-chess's spaced board (PettingZoo), and the
rank-labelled grids of OpenSpiel's board games (breakthrough, checkers). Anything else is
shown as the text itself, so every game can be stepped through.
"""

from __future__ import annotations

import re

_FEN = re.compile(r"^([pnbrqkPNBRQK1-8]+/){7}[pnbrqkPNBRQK1-8]+ [wb] ")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CHESS_PIECES = set("pnbrqkPNBRQK.")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def fen_grid(fen: str) -> list[list[str]]:
    """The 8 ranks of a FEN (rank 8 first) as lists of piece letters, '.' for empty."""
    rows = []
    for rank in fen.split(" ", 1)[0].split("/"):
        row: list[str] = []
        for ch in rank:
            row.extend("." * int(ch) if ch.isdigit() else ch)
        rows.append(row)
    return rows


def board(env_id: str, text: str) -> dict | None:
    """{"kind": "marks" | "stones" | "go" | "chess" | "grid" | "heroes", "cells": rows of
    one-character cells} or None
    when the text is not a board this viewer draws."""
    text = strip_ansi(text).strip("\n")
    if _FEN.match(text.strip()):
        return {"kind": "chess", "cells": fen_grid(text.strip())}
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    spaced = [line.split(" ") for line in lines]
    if len(lines) == 8 and all(len(r) == 8 and set(r) <= _CHESS_PIECES for r in spaced):
        return {"kind": "chess", "cells": spaced}  # python-chess: rank 8 first, spaced
    if len({len(line) for line in lines}) == 1 and all(set(line) <= set(".xoXO+") for line in lines):
        if len(lines) >= 3 and len(lines[0]) >= 3:
            kind = "marks" if len(lines) == len(lines[0]) == 3 else "go" if "go" in env_id else "stones"
            return {"kind": kind, "cells": [list(line.lower().replace("+", ".")) for line in lines]}
    ranked = [re.match(r"^\s*(\d+)\s?(\S+)$", line) for line in lines[:-1]]
    if len(ranked) >= 4 and all(ranked) and re.match(r"^\s*[a-z]+\s*$", lines[-1]):
        cells = [list(m.group(2)) for m in ranked if m]
        if len({len(r) for r in cells}) == 1:
            return {"kind": "grid", "cells": cells}
    if env_id.startswith("fivehero/"):
        grid = [line for line in lines if re.fullmatch(r"[.BbxTRHtrh]+", line)]
        if grid and len({len(g) for g in grid}) == 1:
            return {"kind": "heroes", "cells": [list(g) for g in grid]}
    return None
