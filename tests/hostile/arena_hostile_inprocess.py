"""In-process agents that misbehave on purpose, as a plugin loaded by module name
(ARENA_PLUGIN_MODULES=arena_hostile_inprocess with tests/hostile on PYTHONPATH), so that
tournament worker processes build them too. Each plays random legal moves and, in a game armed
with probability `rate` (drawn from its seed), strikes at its `at`-th move:

  inproc-segfault   reads address 0 (SIGSEGV kills the process)
  inproc-abort      calls abort() (SIGABRT)
  inproc-exit       os._exit(7): the interpreter ends without unwinding
  inproc-sysexit    raises SystemExit(5)
  inproc-interrupt  raises KeyboardInterrupt (agent code, not the user's Ctrl-C)
  inproc-latefail   plays well, but cannot start in a tournament's worker process (it passes
                    the tournament's check in the arena's own process, then fails every start)
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import random

from arena import Agent, hookimpl


class _Hostile(Agent):
    def __init__(self, env_info, *, at: int = 1, rate: float = 1.0):
        super().__init__(env_info)
        self.at, self.rate = at, rate
        self.rng, self.armed, self.moves = random.Random(0), False, 0

    def reset(self, seats, seed):
        self.rng = random.Random(seed)
        self.armed = random.Random(seed ^ 0x5EED).random() < self.rate
        self.moves = 0

    def act(self, obs):
        if self.armed and self.moves == self.at:
            self.strike()
        self.moves += 1
        return self.rng.choice(obs.legal_actions)

    def strike(self):
        raise NotImplementedError


class Segfault(_Hostile):
    def strike(self):
        ctypes.string_at(0)


class Abort(_Hostile):
    def strike(self):
        os.abort()


class Exit(_Hostile):
    def strike(self):
        os._exit(7)


class SysExit(_Hostile):
    def strike(self):
        raise SystemExit(5)


class Interrupt(_Hostile):
    def strike(self):
        raise KeyboardInterrupt


class LateFail(_Hostile):
    """Starts in the arena's own process (the tournament's check), in no worker."""

    def __init__(self, env_info):
        super().__init__(env_info, rate=0.0)
        if multiprocessing.parent_process() is not None:
            raise RuntimeError("cannot open my opening book (it moved)")


@hookimpl
def register_agents(register):
    for name, cls in (("segfault", Segfault), ("abort", Abort), ("exit", Exit), ("sysexit", SysExit),
                      ("interrupt", Interrupt), ("latefail", LateFail)):
        register(f"inproc-{name}", f"arena_hostile_inprocess:{cls.__name__}",
                 description=f"hostile test agent: {name}")
