"""fivehero/5v5: a PPO checkpoint against fivehero-scripted and random (targets: ≥ 76 % score,
i.e. ≥ +200 Elo, over ≥ 200 games vs scripted, both sides; ≥ 95 % vs random), and the
rating across the run's checkpoints against the same fixed pool (scripted and random).

    # train (≤ 60 min: the bundled team's 40 min, then 20 more with less shaping), then judge:
    S="--set num_envs=32 --set epochs=5 --set hidden=64 --set gamma=0.995 --set lr=5e-4 --set zero_sum=false"
    nice -n 10 arena train ppo fivehero/5v5:shaped=true --minutes 40 --out runs/five --seed 2 $S \\
        --set scripted_fraction=0.4 --set random_fraction=0.1 --set draw_penalty=0.25 --set eval_every=100
    nice -n 10 arena train ppo fivehero/5v5:shaped=true --minutes 60 --out runs/five --seed 3 --resume $S \\
        --set scripted_fraction=0.3 --set random_fraction=0.3 --set draw_penalty=1.0 --set shaping=0.2 --set eval_every=100
    nice -n 10 python benchmarks/bench_ppo_fivehero.py runs/five --games 200 --curve-stride 2

Games are played through the referee on the scored (unshaped) fivehero/5v5, half with the
checkpoint as radiant and half as dire, seeds 0..games-1, sampled actions; each game is
recorded in the store RUN/arena.db (tournament "bench:RUN")."""

import argparse
import json
import math
from pathlib import Path

import numpy as np

import arena
from arena.store import Store

ENV = "fivehero/5v5"


def elo(score: float, games: int) -> float:
    s = min(max(score, 0.5 / games), 1 - 0.5 / games)
    return 400 * math.log10(s / (1 - s))


def match(spec: str, opponent: str, games: int, store: Store, tournament: str) -> dict:
    env = arena.make_env(ENV)
    me, other = arena.make_agent(spec, env), arena.make_agent(opponent, env)
    scores = []
    for game in range(games):
        side = game % 2
        agents, names = ([me, other], [spec, opponent]) if side == 0 else ([other, me], [opponent, spec])
        record = arena.play(env, agents, seed=game, names=names)
        store.record_game(tournament, ENV, record)
        scores.append(record.scores[side])
    scores = np.array(scores)
    mean, se = scores.mean(), scores.std(ddof=1) / np.sqrt(games)
    return {"score": mean, "se": se, "wins": int((scores == 1).sum()), "draws": int((scores == 0.5).sum()),
            "losses": int((scores == 0).sum()), "elo": elo(mean, games),
            "elo_low": elo(mean - 1.96 * se, games), "elo_high": elo(mean + 1.96 * se, games)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run", help="training output directory (latest.pt, iter_*.pt, metrics.jsonl)")
    parser.add_argument("--games", type=int, default=200)
    parser.add_argument("--curve-games", type=int, default=40, help="games per checkpoint for the curve")
    parser.add_argument("--curve-stride", type=int, default=1, help="use every k-th iter_*.pt checkpoint")
    opts = parser.parse_args()
    run = Path(opts.run)
    rows = [json.loads(line) for line in open(run / "metrics.jsonl")]
    last = rows[-1]
    print(f"run {run}: {last['step']:,} env steps in {last['elapsed'] / 60:.1f} min of training")
    store = Store(run / "arena.db")
    tournament = f"bench:{run}"
    print(f"rating across checkpoints against the fixed pool ({opts.curve_games} games each vs "
          "fivehero-scripted and vs random; Elo of the pooled score):")
    for path in sorted(run.glob("iter_*.pt"))[opts.curve_stride - 1::opts.curve_stride]:
        spec = f"ppo:checkpoint={path}"
        scripted, rnd = (match(spec, o, opts.curve_games, store, tournament) for o in ("fivehero-scripted", "random"))
        pooled = (scripted["score"] + rnd["score"]) / 2
        step = next((row["step"] for row in rows if row["iteration"] == int(path.stem[5:])), None)
        print(f"  {path.name}  step {step:>9,}  vs scripted {scripted['score']:.3f}  vs random {rnd['score']:.3f}  "
              f"pool {pooled:.3f}  Elo {elo(pooled, 2 * opts.curve_games):+.0f}")
    final = f"ppo:checkpoint={run / 'latest.pt'}"
    for opponent, target in (("fivehero-scripted", 0.76), ("random", 0.95)):
        r = match(final, opponent, opts.games, store, tournament)
        print(f"latest.pt vs {opponent}, {opts.games} games (both sides): score {r['score']:.3f} ± {r['se']:.3f} "
              f"(W {r['wins']} D {r['draws']} L {r['losses']}), Elo {r['elo']:+.0f} "
              f"[{r['elo_low']:+.0f}, {r['elo_high']:+.0f}]  target ≥ {target:.2f}: "
              f"{'reached' if r['score'] >= target else 'NOT reached'}")
    store.close()


if __name__ == "__main__":
    main()
