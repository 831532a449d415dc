"""The search's two-player sign convention, on hand-built tic-tac-toe positions, with an
oracle model that knows the rules (uniform priors, value 0): only the backed-up rewards
can tell the search which move wins, so a sign error shows up as a wrong move."""

import numpy as np
import pyspiel
import pytest

from arena_muzero.search import NEG, SearchConfig, completed_q, considered_visits, search

GAME = pyspiel.load_game("tic_tac_toe")


class Oracle:
    """Hidden state = index of a real game state; rewards +1 to the mover who wins."""

    def __init__(self):
        self.states = []

    def _add(self, state):
        self.states.append(state)
        return [float(len(self.states) - 1)]

    def _logits(self, state):
        logits = np.full(9, NEG)
        if not state.is_terminal():
            logits[state.legal_actions()] = 0.0
        return logits

    def initial(self, obs, player):
        states = [self._from_obs(o) for o in obs]
        hidden = np.array([self._add(s) for s in states], np.float32)
        return hidden, np.array([self._logits(s) for s in states]), np.zeros(len(states))

    def recurrent(self, hidden, action):
        out_h, rewards, logits = [], [], []
        for h, a in zip(hidden[:, 0], action):
            state = self.states[int(h)].clone()
            reward = 0.0
            if not state.is_terminal() and a in state.legal_actions():
                mover = state.current_player()
                state.apply_action(int(a))
                reward = max(0.0, state.returns()[mover]) if state.is_terminal() else 0.0
            out_h.append(self._add(state))  # terminal or illegal: absorbing, value 0
            rewards.append(reward)
            logits.append(self._logits(state))
        return np.array(out_h, np.float32), np.array(rewards), np.array(logits), np.zeros(len(action))

    @staticmethod
    def _from_obs(obs):
        return obs  # the test passes states themselves as "observations"


def position(moves):
    state = GAME.new_initial_state()
    for m in moves:
        state.apply_action(m)
    return state


def run(states, sims, method="gumbel"):
    legal = np.zeros((len(states), 9), bool)
    for i, s in enumerate(states):
        legal[i, s.legal_actions()] = True
    players = np.array([s.current_player() for s in states])
    cfg = SearchConfig(num_simulations=sims, gumbel_scale=0.0, method=method)
    return search(Oracle(), states, players, legal, cfg, np.random.default_rng(0))


# x: 0,1 ; o: 3,4 ; x to move: 2 wins now (o threatens 5).
WIN_IN_ONE_X = [0, 3, 1, 4]
# o to move after x: 0,1,8 ; o: 3,4 : o wins at 5 (x threatens 2).
WIN_IN_ONE_O = [0, 3, 1, 4, 8]
# x: 0, 8 ; o: 4, 2 ... x to move must block at 6 (o threatens 2-4-6), which also forks 3 and 7.
WIN_IN_TWO = [0, 4, 8, 2]


@pytest.mark.parametrize("method", ["gumbel", "puct"])
def test_takes_a_win_in_one_from_both_seats(method):
    result = run([position(WIN_IN_ONE_X), position(WIN_IN_ONE_O)], sims=32, method=method)
    assert result.action.tolist() == [2, 5]
    assert np.all(result.value > 0.3)  # the mover's view: winning


def test_blocks_then_forks_a_forced_win_in_two():
    state = position(WIN_IN_TWO)
    result = run([state], sims=200)
    assert result.action[0] == 6
    # After 6, x threatens 3 (0-3-6) and 7 (6-7-8): every o reply loses.
    after = position(WIN_IN_TWO + [6])
    for reply in after.legal_actions():
        assert run([position(WIN_IN_TWO + [6, reply])], sims=32).value[0] > 0.3


def test_losing_position_has_negative_value_for_the_mover():
    # x: 0, 8, 6 (threats 3 and 7) ; o: 4, 2 ; o to move cannot stop both.
    result = run([position(WIN_IN_TWO + [6])], sims=200)
    assert result.value[0] < -0.3


def test_improved_policy_prefers_the_winning_move():
    result = run([position(WIN_IN_ONE_X)], sims=16)
    assert result.policy[0].argmax() == 2
    assert result.policy[0][[5, 6, 7, 8]].sum() < result.policy[0][2]
    assert np.isclose(result.policy[0].sum(), 1.0) and result.policy[0][[0, 1, 3, 4]].sum() == 0


def test_sequential_halving_schedule():
    seq = considered_visits(4, 16)
    assert seq[:4] == (0, 0, 0, 0)  # every considered move visited once first
    assert len(seq) == 16 and max(seq) >= 4  # survivors get the later visits
    assert considered_visits(1, 5) == (0, 1, 2, 3, 4)


def test_completed_q_fills_unvisited_with_mixed_value():
    q = np.array([[0.5, 0.0, 0.0]])
    visits = np.array([[2.0, 0.0, 0.0]])
    sigma = completed_q(np.array([0.1]), q, visits, np.zeros((1, 3)), np.ones((1, 3), bool), 50, 0.1)
    assert sigma[0, 0] > sigma[0, 1] == sigma[0, 2]
    assert np.isclose(sigma[0, 0], (50 + 2) * 0.1)


def test_known_bounds_keep_tiny_q_differences_tiny():
    q = np.array([[0.01, -0.01, 0.0]])  # three drawn moves, model noise only
    visits = np.ones((1, 3))
    args = (np.array([0.0]), q, visits, np.zeros((1, 3)), np.ones((1, 3), bool), 50, 0.1)
    minmax, known = completed_q(*args), completed_q(*args, known_bounds=True)
    assert np.ptp(minmax) > 5.0  # min-max turns noise into a full-size preference
    assert np.ptp(known) < 0.1


def test_noise_only_in_the_games_marked_noisy():
    """Self-play's `noisy` mask: marked games sample their root move through Gumbel noise,
    the others play the greedy move a noiseless search plays."""
    states = [position([]) for _ in range(20)]
    legal = np.ones((20, 9), bool)
    players = np.zeros(20, np.int64)
    noisy = np.arange(20) < 10
    cfg = SearchConfig(num_simulations=4, gumbel_scale=1.0)
    result = search(Oracle(), states, players, legal, cfg, np.random.default_rng(0), noisy)
    greedy = run(states[:1], sims=4).action[0]
    assert np.all(result.action[~noisy] == greedy)
    assert len(set(result.action[noisy].tolist())) > 2
