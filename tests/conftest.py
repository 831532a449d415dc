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
