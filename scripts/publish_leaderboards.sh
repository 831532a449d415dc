#!/usr/bin/env bash
# Regenerate the published leaderboards in leaderboards/ from real tournaments of the
# bundled agents:   scripts/publish_leaderboards.sh [BOARD...]
# BOARD is tic_tac_toe, connect_four or fivehero (default: all of them).
#
# The games go to leaderboards/games.db (not committed: *.db is ignored), where every game
# can be listed with `arena games --db leaderboards/games.db` and checked with `arena replay`.
# Rerunning resumes: only games missing from the database are played. Delete the
# database to replay everything; after replacing a bundled checkpoint the tournament
# refuses to resume until you do. CONCURRENCY (default 2) sets the worker processes.
set -euo pipefail
cd "$(dirname "$0")/.."
db=leaderboards/games.db
workers=${CONCURRENCY:-2}

publish() {  # publish ENV PLIES AGENT... : run the tournament, then write ENV's .md, .json and .html
  local env=$1 plies=$2
  shift 2
  local out="leaderboards/${env//\//_}"
  nice -n 10 python -m arena tournament "$env" "$@" --games 20 --opening-plies "$plies" --seed 2026 \
    --name "published $env" --concurrency "$workers" --db "$db" --quiet > /dev/null
  local board=(python -m arena leaderboard "$env" --db "$db" --tournament "published $env" --title "$env")
  "${board[@]}" --markdown > "$out.md"
  "${board[@]}" --json > "$out.json"   # rows; warnings go to stderr and are in the .md
  "${board[@]}" --html "$out.html" > /dev/null
  echo "wrote $out.md $out.json $out.html"
}

# NAME=SPEC gives an agent the short name the boards show; the full spec stays in the JSON.
# Random opening plies (the same in both games of a seat-swapped pair) vary the games: one in
# tic-tac-toe (every first move is a draw with best play), two in Connect Four.
muzero_ttt=muzero:checkpoint=agents/arena_muzero/checkpoints/tic_tac_toe.pt
muzero_c4=muzero:checkpoint=agents/arena_muzero/checkpoints/connect_four.pt
ppo_five=ppo:checkpoint=agents/arena_ppo/checkpoints/fivehero_5v5.pt
tic_tac_toe() {
  publish openspiel/tic_tac_toe 1 random minimax mcts100=mcts:sims=100 mcts1000=mcts:sims=1000 \
    "muzero16=$muzero_ttt,sims=16" "muzero0=$muzero_ttt,sims=0"
}
connect_four() {
  publish openspiel/connect_four 2 random minimax2=minimax:depth=2 minimax4=minimax:depth=4 mcts100=mcts:sims=100 \
    mcts300=mcts:sims=300 mcts1000=mcts:sims=1000 "muzero16=$muzero_c4,sims=16"
}
fivehero() {
  publish fivehero/5v5 0 random scripted=fivehero-scripted "ppo=$ppo_five"
}
boards=("$@")
[ ${#boards[@]} -gt 0 ] || boards=(tic_tac_toe connect_four fivehero)
for board in "${boards[@]}"; do
  case $board in
    tic_tac_toe|connect_four|fivehero) "$board" ;;
    *) echo "unknown board $board: choose tic_tac_toe, connect_four or fivehero" >&2; exit 2 ;;
  esac
done
