"""Tournaments and matches, one job per module:

- `config`: the settings and the checks before the first game (settings against the game,
  each agent loading and playing a legal first move);
- `schedule`: pure functions from the settings to keyed, seeded games (round robin,
  gauntlet, Swiss, seat-swapped pairs for matches);
- `runner`: one loop that plays the games not yet stored, shared by tournaments and matches;
- `replay`: stored games played again to check them.
"""

from arena.tournament.config import FORMATS, TournamentConfig, check_config, validate_agent
from arena.tournament.replay import replay, replay_matches
from arena.tournament.runner import MatchResult, Progress, Result, open_run, play_missing, run_match, run_tournament
from arena.tournament.schedule import fixed_groups, game_seed, group_games, pair_jobs, rounds, swiss_pairs, total_games

__all__ = [
    "FORMATS",
    "MatchResult",
    "Progress",
    "Result",
    "TournamentConfig",
    "check_config",
    "fixed_groups",
    "game_seed",
    "group_games",
    "open_run",
    "pair_jobs",
    "play_missing",
    "replay",
    "replay_matches",
    "rounds",
    "run_match",
    "run_tournament",
    "swiss_pairs",
    "total_games",
    "validate_agent",
]
