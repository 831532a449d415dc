"""What a worker pool's games will need, imported before the workers are forked (the arena
and its plugins, the game's module, the agents' modules), so that every worker, the first or
one replacing a worker an agent crashed, starts playing at once instead of repeating the
arena's own start-up. A forkserver imports this module as a preload and reads ARENA_WARM;
a pool that forks this process calls `warm` first. Nothing is built: a game or an agent may
start threads, and a process with threads should not fork."""

from __future__ import annotations

import json
import os

VARIABLE = "ARENA_WARM"  # {"env": env id, "agents": [agent names]}, set by LocalPool.warm_up


def warm(wanted: dict) -> None:
    import arena.backends  # noqa: F401 - the workers unpickle play_job from it
    from arena.api import env_entry
    from arena.envs.base import parse_env_id
    from arena.plugins import get_registry

    env_entry(parse_env_id(wanted["env"])[0]).load()
    registry = get_registry()
    for name in wanted.get("agents", []):
        entry = registry.find("agents", name)
        if entry is not None and not entry.unavailable():
            entry.load()


if os.environ.get(VARIABLE):
    try:
        warm(json.loads(os.environ[VARIABLE]))
    except BaseException:  # noqa: BLE001, S110 - only a head start: a worker meets the same failure in its own game
        pass
