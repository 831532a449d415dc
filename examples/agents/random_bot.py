#!/usr/bin/env python3
"""A complete arena agent in plain Python, no arena import: it speaks the JSON-lines
protocol of docs/protocol.md and plays a uniformly random legal move.

    arena play openspiel/tic_tac_toe "cmd:python3 examples/agents/random_bot.py" random
"""

import json
import random
import sys


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    rng = random.Random(0)
    for line in sys.stdin:
        message = json.loads(line)
        kind = message["type"]
        if kind == "hello":
            if 1 not in message["protocols"]:
                send({"type": "error", "message": "random_bot speaks protocol 1 only"})
                return
            send({"type": "hello", "name": "random_bot.py", "version": "1.0", "protocol": 1,
                  "observation": False})  # it needs only the legal actions
        elif kind == "reset":
            rng = random.Random(message["seed"])
            send({"type": "ready"})
        elif kind == "act":
            send({"type": "action", "action": rng.choice(message["legal_actions"])})
        elif kind == "act_team":
            send({"type": "actions", "actions": [[view["seat"], rng.choice(view["legal_actions"])]
                                                 for view in message["observations"]]})
        elif kind == "quit":
            return
        # "inform" and unknown types need no answer


if __name__ == "__main__":
    main()
