"""The plugin author's own tests: the arena's test kit, then the game's rules."""

from functools import reduce
from operator import xor

from arena import make_env
from arena.testing import check_agent, check_env


def test_the_game_passes_the_arena_test_kit():
    check_env("nim/classic")
    check_env("nim/classic:heaps=1-3-5-7,misere=true")


def test_minimax_and_mcts_play_it():
    check_agent("minimax", "nim/classic", games=1)
    check_agent("mcts:sims=50", "nim/classic", games=1)


def test_the_id_keeps_its_parameters():
    assert make_env("nim/classic:heaps=2-2").info.id == "nim/classic:heaps=2-2"


def test_whoever_takes_the_last_counter_wins():
    env = make_env("nim/classic:heaps=1")
    env.reset(0)
    env.step({0: 0})
    assert env.is_over() and env.returns() == [1.0, -1.0]
    assert reduce(xor, (3, 4, 5)) != 0  # so the first player wins 3-4-5 with perfect play
