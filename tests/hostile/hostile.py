#!/usr/bin/env python3
"""A protocol agent that misbehaves on purpose, for tests/test_hostile.py and
benchmarks/hostile_round_robin.py. It plays random legal moves until it strikes:

    hostile.py MODE [--at N] [--rate P] [--once FLAG] [--delay S] [--tag TAG]

MODE (what it does at its N-th move of an armed game):
  none     never misbehaves (answers after --delay seconds)
  sleep    sleeps forever                    -> timeout
  garbage  prints a line that is not JSON     -> protocol
  flood    prints megabytes without a newline -> protocol
  fork     forks children that outlive it (one in its group, one escaped with setsid),
           then exits                         -> crash
  exit     exits with code 3                  -> crash
  escape   starts a daemon that double-forks, calls setsid and execs a sleeper with an empty
           environment (no token to find it by), then plays on normally -> normal
  illegal  plays an action that is not legal  -> illegal
  range    plays an action far out of range   -> illegal
  string   plays "e4"                         -> illegal
  leak     allocates 64 MB per move until the memory limit kills it -> crash
  reset    (via arena.remote.serve) raises in reset -> crash
  version  answers the handshake with protocol 99 -> refused at start
A game is armed with probability --rate (drawn from the reset seed) unless the file
--once names exists; arming creates it, so only the first armed game strikes.
"""

import argparse
import json
import os
import random
import sys
import time


def options():
    p = argparse.ArgumentParser()
    p.add_argument("mode")
    p.add_argument("--at", type=int, default=2, help="strike at this move of the game (0-based)")
    p.add_argument("--rate", type=float, default=1.0)
    p.add_argument("--once", default=None)
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--tag", default="", help="marks the command line, to find leftovers")
    return p.parse_args()


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def arm(opts, seed):
    if random.Random(seed).random() >= opts.rate:
        return False
    if opts.once:
        if os.path.exists(opts.once):
            return False
        open(opts.once, "w").close()
    return True


def strike(mode, message, num_actions):
    legal = message["legal_actions"]
    if mode == "sleep":
        time.sleep(10**6)
    elif mode == "garbage":
        sys.stdout.write("I am not JSON {{{\n")
        sys.stdout.flush()
    elif mode == "flood":
        sys.stdout.write("x" * (8 << 20))
        sys.stdout.flush()
        time.sleep(10**6)
    elif mode == "fork":
        if os.fork() == 0:  # a child in our process group
            time.sleep(10**6)
        if os.fork() == 0:  # a grandchild that escapes the group and session
            os.setsid()
            if os.fork() == 0:
                time.sleep(10**6)
            os._exit(0)
        os._exit(0)
    elif mode == "exit":
        os._exit(3)
    elif mode == "escape":
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execve(sys.executable, [sys.executable, "-c", "import time; time.sleep(100000)", TAG], {})
            os._exit(0)
        os.wait()
    elif mode == "illegal":
        free = sorted(set(range(num_actions)) - set(legal))
        return free[0] if free else -1
    elif mode == "range":
        return 10**9
    elif mode == "string":
        return "e4"
    elif mode == "leak":
        hoard = []
        while True:
            hoard.append(bytearray(64 << 20))
            time.sleep(0.001)
    return None


TAG = ""


def main():
    global TAG
    opts = options()
    TAG = opts.tag or "hostile-escape"
    if opts.mode == "reset":
        return serve_raising_in_reset(opts)
    rng, armed, move, num_actions = random.Random(0), False, 0, 0
    for line in sys.stdin:
        message = json.loads(line)
        kind = message["type"]
        if kind == "hello":
            send({"type": "hello", "name": f"hostile-{opts.mode}", "version": "0",
                  "protocol": 99 if opts.mode == "version" else 1, "observation": False})
        elif kind == "reset":
            rng, move = random.Random(message["seed"]), 0
            armed = arm(opts, message["seed"])
            num_actions = message["env"]["num_actions"]
            send({"type": "ready"})
        elif kind == "act":
            action = None
            if armed and move == opts.at:
                action = strike(opts.mode, message, num_actions)
            if opts.delay:
                time.sleep(opts.delay)
            move += 1
            send({"type": "action",
                  "action": rng.choice(message["legal_actions"]) if action is None else action})
        elif kind == "quit":
            return


def serve_raising_in_reset(opts):
    from arena.agents import Agent
    from arena.envs.base import EnvInfo
    from arena.remote import serve

    class RaisesInReset(Agent):
        def reset(self, seats, seed):
            if arm(opts, seed):
                raise RuntimeError("hostile agent raised in reset")
            self.rng = random.Random(seed)

        def act(self, obs):
            return self.rng.choice(obs.legal_actions)

    # The observation shape is not needed: this agent reads only legal actions.
    info = EnvInfo("any", "turn-based", 2, 0, (0,))
    return serve(RaisesInReset(info), name="hostile-reset")


if __name__ == "__main__":
    sys.exit(main())
