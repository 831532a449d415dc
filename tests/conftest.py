import os
import subprocess
import sys

import pytest


def run_arena(*args: str, env: dict | None = None, timeout: float = 120, cwd=None,
              input: str | None = None) -> subprocess.CompletedProcess:
    """Run the real `arena` command line in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "arena", *args], capture_output=True, text=True,
        env=full_env, timeout=timeout, cwd=cwd, input=input,
    )


@pytest.fixture
def arena_cli():
    return run_arena


@pytest.fixture
def arena_main(capsys):
    """Run `arena ARGS` in this process (fast, no subprocess); returns (exit code, stdout, stderr)."""
    from arena.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
        out, err = capsys.readouterr()
        return code, out, err

    return run


# Agents with long specs, so that pages must show them whole (no clipped or look-alike names).
WEB_AGENTS = ["random", "minimax", "mcts:sims=10,uct_c=1.4,rollouts=1", "mcts:sims=100,uct_c=1.4,rollouts=1"]


@pytest.fixture(scope="session")
def web_store(tmp_path_factory):
    """A store from a real small tournament (tic-tac-toe, 4 agents, 2 games per pairing) plus
    two Connect Four games, with the MCTS agents tagged as steps of a 'sims' run."""
    from arena.store import Store
    from arena.tournament import TournamentConfig, run_tournament

    path = tmp_path_factory.mktemp("web") / "arena.db"
    with Store(path) as store:
        run_tournament(TournamentConfig("openspiel/tic_tac_toe", WEB_AGENTS, games=2), store, name="ttt")
        run_tournament(TournamentConfig("openspiel/connect_four", ["random", "mcts:sims=10,uct_c=1.4,rollouts=1"],
                                        games=2), store, name="c4")
        store.tag_agent(WEB_AGENTS[2], run="sims", step=10)
        store.tag_agent(WEB_AGENTS[3], run="sims", step=100)
    return path
