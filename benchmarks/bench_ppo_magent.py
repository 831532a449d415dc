"""PPO on magent2/battle_v4 through the core's PettingZoo Parallel adapter (no fast path):
a short self-play run, then the trained team against `random` next to random against random.

    taskset -c 1 nice -n 5 python benchmarks/bench_ppo_magent.py --minutes 8 --out runs/bench_magent

magent2 battle has no base to destroy: a game is won by the team with the larger total
return (mostly +5 per kill, +0.2 per hit), so the score is a win rate by kills and hits, and
the return difference per game says by how much. The team size comes from map_size
(16 → 6 v 6); the checkpoint plays whole teams through the referee, half the games per side."""

import argparse
import json
from pathlib import Path

import numpy as np

import arena
from arena_ppo.train import Args, train

ENV = "magent2/battle_v4:map_size=16,max_cycles=150"


def match(spec: str, games: int, env_id: str = ENV) -> dict:
    """`spec` against random: score, the team returns (own, enemy) and the heroes killed on
    each side per game (dead agents leave the game for good: those missing from the last
    step's movers)."""
    env = arena.make_env(env_id)
    me, rnd = arena.make_agent(spec, env), arena.make_agent("random", env)
    sides = env.info.sides
    scores, own, enemy, kills, deaths = [], [], [], [], []
    for game in range(games):
        side = game % 2
        record = arena.play(env, [me, rnd] if side == 0 else [rnd, me], seed=20_000 + game)
        totals = [sum(record.returns[s] for s in seats) for seats in sides]
        alive = {seat for seat, _ in record.moves[-1]} if record.moves else set()
        dead = [len(set(seats) - alive) for seats in sides]
        scores.append(record.scores[side])
        own.append(totals[side])
        enemy.append(totals[1 - side])
        kills.append(dead[1 - side])
        deaths.append(dead[side])
    return {"score": float(np.mean(scores)), "se": float(np.std(scores) / np.sqrt(games)),
            "own": float(np.mean(own)), "enemy": float(np.mean(enemy)),
            "kills": float(np.mean(kills)), "deaths": float(np.mean(deaths))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=8.0)
    parser.add_argument("--env", default=ENV, help="a battle_v4 variant, e.g. with attack_penalty=0")
    parser.add_argument("--out", default="runs/bench_magent")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--games", type=int, default=40)
    parser.add_argument("--eval-only", action="store_true", help="judge OUT/latest.pt without training")
    opts = parser.parse_args()

    if not opts.eval_only:
        train(Args(env_id=opts.env, minutes=opts.minutes, out=opts.out, seed=opts.seed, progress=False, num_envs=8,
                   rollout=64, epochs=4, minibatches=2, lr=5e-4, gamma=0.99, random_fraction=0.5,
                   eval_env_id=opts.env, eval_opponents="random", eval_every=25, eval_games=10))
    rows = [json.loads(line) for line in open(Path(opts.out) / "metrics.jsonl")]
    print(f"{opts.env}: trained {rows[-1]['step']:,} env steps ({rows[-1]['iteration']} iterations) in "
          f"{rows[-1]['elapsed']:.0f} s")
    for row in rows:
        if "eval_random_score" in row:
            print(f"  iteration {row['iteration']:>4}  step {row['step']:>8,}  "
                  f"eval vs random ({row['eval_random_games']} games) {row['eval_random_score']:.2f}")
    print(f"referee games vs random, {opts.games} games (both sides):")
    for spec in ("random", f"ppo:checkpoint={opts.out}/latest.pt"):
        r = match(spec, opts.games, opts.env)
        print(f"  {spec:<40} score {r['score']:.3f} ± {r['se']:.3f}  team return {r['own']:7.2f} "
              f"vs random's {r['enemy']:7.2f}  kills {r['kills']:.2f}, deaths {r['deaths']:.2f} per game")


if __name__ == "__main__":
    main()
