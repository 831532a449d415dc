"""PPO on magent2/battle_v4 through the core's PettingZoo Parallel adapter (no fast path): a
short self-play run, then the trained army against `random` and the scripted `battle-scripted`
army (advance, attack the nearest enemy), with kills per game beside the score.

    nice -n 15 python benchmarks/bench_ppo_magent.py --cpu-minutes 5 --out runs/bench_magent

magent2 battle has no base to destroy: a game is won by the team with the larger total
return (+5 per kill, +0.2 per hit, -0.1 per attack, -0.005 per step), so a team that never
attacks "wins" against random play, which pays for its misses. To make the learner fight, it
trains (by default) on the same battle without the attack penalty and with a hit worth 1
instead of 0.2 (`attack_penalty=0,attack_opponent_reward=1`: an attack costs nothing, a hit
pays at once, so the mapping "enemy next to me → attack that cell" has a direct reward), and
meets the scripted army in a share of its games (`--scripted-fraction`), which comes to it
and kills the soldiers that stand still; it is judged on the standard battle. The team size comes from map_size (16 → 6 v 6); the checkpoint plays whole teams
through the referee, half the games per side."""

import argparse
import json
from pathlib import Path

import numpy as np

import arena
from arena.training import overrides_for
from arena_ppo.train import Args, train

ENV = "magent2/battle_v4:map_size=16,max_cycles=150"
TRAIN_ENV = ENV + ",attack_penalty=0,attack_opponent_reward=1"


def match(spec: str, games: int, env_id: str = ENV, opponent: str = "random") -> dict:
    """`spec` against `opponent`: score, the team returns (own, enemy) and the soldiers killed
    on each side per game (env.eliminated(): those who left the game for good)."""
    env = arena.make_env(env_id)
    me, rnd = arena.make_agent(spec, env), arena.make_agent(opponent, env)
    sides = env.info.sides
    scores, own, enemy, kills, deaths = [], [], [], [], []
    for game in range(games):
        side = game % 2
        record = arena.play(env, [me, rnd] if side == 0 else [rnd, me], seed=20_000 + game)
        totals = [sum(record.returns[s] for s in seats) for seats in sides]
        gone = set(env.eliminated() or ())
        dead = [len(gone & set(seats)) for seats in sides]
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
    parser.add_argument("--cpu-minutes", type=float, default=5.0)
    parser.add_argument("--env", default=ENV, help="the battle_v4 variant judged on")
    parser.add_argument("--train-env", default=TRAIN_ENV, help="the battle_v4 variant trained on")
    parser.add_argument("--scripted-fraction", type=float, default=0.4, help="share of games vs battle-scripted")
    parser.add_argument("--random-fraction", type=float, default=0.2, help="share of games vs random")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="any other arena_ppo.train.Args field")
    parser.add_argument("--out", default="runs/bench_magent")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--games", type=int, default=40)
    parser.add_argument("--eval-only", action="store_true", help="judge OUT/latest.pt without training")
    opts = parser.parse_args()

    if not opts.eval_only:
        train(Args(env_id=opts.train_env, cpu_minutes=opts.cpu_minutes, out=opts.out, seed=opts.seed, progress=False,
                   num_envs=8, rollout=64, epochs=4, minibatches=2, lr=5e-4, gamma=0.99,
                   random_fraction=opts.random_fraction, scripted_fraction=opts.scripted_fraction,
                   scripted_spec="battle-scripted", eval_env_id=opts.env, eval_opponents="random,battle-scripted",
                   eval_every=40, eval_games=10, **overrides_for(Args, tuple(opts.overrides))))
    rows = [json.loads(line) for line in open(Path(opts.out) / "metrics.jsonl")]
    print(f"trained on {opts.train_env}: {rows[-1]['step']:,} env steps ({rows[-1]['iteration']} iterations) in "
          f"{rows[-1]['elapsed']:.0f} s wall, {rows[-1]['cpu']:.0f} s CPU")
    for row in rows:
        if "eval_random_score" in row:
            print(f"  iteration {row['iteration']:>4}  step {row['step']:>8,}  evaluation ({row['eval_random_games']} games): "
                  + ", ".join(f"vs {o} {row[f'eval_{o}_score']:.2f} ({row[f'eval_{o}_kills']:.1f} kills/game)"
                              for o in ("random", "battle-scripted") if f"eval_{o}_score" in row))
    for opponent in ("random", "battle-scripted"):
        print(f"referee games on {opts.env} vs {opponent}, {opts.games} games (both sides):")
        for spec in ("random", "battle-scripted", f"ppo:checkpoint={opts.out}/latest.pt"):
            r = match(spec, opts.games, opts.env, opponent)
            print(f"  {spec:<40} score {r['score']:.3f} ± {r['se']:.3f}  team return {r['own']:7.2f} "
                  f"vs {r['enemy']:7.2f}  kills {r['kills']:.2f}, deaths {r['deaths']:.2f} per game")


if __name__ == "__main__":
    main()
