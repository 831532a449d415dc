"""The JSON-lines protocol: messages, the host side (real subprocesses), the agent side."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from arena import Agent, ArenaError, make_agent, make_env, play
from arena.remote import (
    MAX_AGENT_MESSAGE,
    ProtocolError,
    SubprocessAgent,
    command_agent,
    decode,
    encode,
    isolated,
    serve,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "agents"
HOSTILE = ROOT / "tests" / "hostile" / "hostile.py"


# -- messages ------------------------------------------------------------------------------

def test_encode_decode_round_trip():
    message = {"type": "act", "seat": 1, "legal_actions": [0, 3], "observation": [0.5, 1.0], "time_left": None}
    line = encode(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode(line) == message


@pytest.mark.parametrize("line, fragment", [
    (b"hello", "not a JSON line"),
    (b"[1, 2]", 'string "type"'),
    (b'{"type": 3}', 'string "type"'),
    (b'{"type": "action", "action": NaN}', "not a JSON line"),
    (b"\xff\xfe", "not a JSON line"),
    (b"[" * 100_000, "not a JSON line"),
])
def test_decode_rejects_what_is_not_a_message(line, fragment):
    with pytest.raises(ProtocolError, match=fragment):
        decode(line)


def test_decode_enforces_the_size_limit():
    big = encode({"type": "action", "pad": "x" * MAX_AGENT_MESSAGE})
    with pytest.raises(ProtocolError, match="byte limit"):
        decode(big)
    assert decode(big, max_bytes=len(big))["type"] == "action"


# -- example agents in three languages, through the cmd: spec --------------------------------

def _examples():
    yield f"cmd:{sys.executable} {EXAMPLES / 'random_bot.py'}"
    yield f"cmd:{EXAMPLES / 'random_bot.py'}"  # executable, found through its #! line
    yield f"cmd:bash {EXAMPLES / 'first_legal.sh'}"
    if shutil.which("node"):
        yield f"cmd:node {EXAMPLES / 'first_legal.js'}"


@pytest.mark.parametrize("spec", list(_examples()))
def test_example_agents_play_whole_games(spec):
    env = make_env("openspiel/connect_four")
    agent = make_agent(spec, env)
    try:
        for seed in range(3):
            record = play(env, [agent, make_agent("random", env)], seed, time_per_move=2.0)
            assert record.termination == "normal", record.reason
            assert record.plies >= 7 and sorted(record.scores) in ([0.0, 1.0], [0.5, 0.5])
    finally:
        agent.close()
    assert agent.proc is None


def test_the_python_example_replays_the_same_game_from_the_same_seed():
    env = make_env("openspiel/tic_tac_toe")
    spec = f"cmd:{sys.executable} {EXAMPLES / 'random_bot.py'}"
    a, b = make_agent(spec, env), make_agent(spec, env)
    try:
        first, second = (play(env, [a, b], 11).moves for _ in range(2))
    finally:
        a.close(), b.close()
    assert first == second


# -- serve-agent: any registered agent in its own process -------------------------------------

@pytest.mark.parametrize("spec", ["random", "mcts:sims=30"])
def test_isolated_agents_play_exactly_as_in_process(spec):
    """Same seeds, same moves: the protocol passes seeds, observations and (for planners)
    the state faithfully."""
    env = make_env("openspiel/connect_four")
    remote = isolated(spec, env.info.id)
    local = make_agent(spec, env)
    opponent = make_agent("random", env)
    try:
        for seed in (1, 2):
            out = play(env, [remote, opponent], seed, time_per_move=5.0)
            ins = play(env, [local, opponent], seed, time_per_move=5.0)
            assert out.termination == "normal", out.reason
            assert out.moves == ins.moves and out.scores == ins.scores
    finally:
        remote.close()


def test_isolated_checks_the_spec_before_spawning():
    with pytest.raises(ArenaError, match="unknown agent 'nosuch'"):
        isolated("nosuch", "openspiel/tic_tac_toe")
    with pytest.raises(ArenaError, match="cannot play"):
        isolated("minimax", "openspiel/kuhn_poker")


def test_serve_agent_command_reports_a_bad_spec_in_one_line(tmp_path):
    env = make_env("openspiel/tic_tac_toe")
    argv = [sys.executable, "-m", "arena", "serve-agent", "nosuch", "--game", env.info.id]
    with pytest.raises(ArenaError) as err:
        SubprocessAgent(env.info, argv, name="bad", log_dir=tmp_path)
    message = str(err.value)
    assert "\n" not in message and "exited with code 2 before its handshake" in message
    assert "unknown agent 'nosuch'" in message


# -- the host side: handshake, logs, teams, named engines ----------------------------------------

def test_an_unsupported_protocol_version_is_refused_in_one_line(tmp_path):
    env = make_env("openspiel/tic_tac_toe")
    with pytest.raises(ArenaError, match="speaks protocol version 99; this arena speaks 1"):
        SubprocessAgent(env.info, [sys.executable, str(HOSTILE), "version"], log_dir=tmp_path)


@pytest.mark.parametrize("command, fragment", [
    ("cmd:no-such-engine-anywhere --fast", "no program 'no-such-engine-anywhere' on PATH"),
    ("cmd:/nonexistent/engine", "no such file '/nonexistent/engine'"),
    ("cmd:", "needs a command line"),
    ("cmd:python3 'unclosed", "cannot parse command line"),
])
def test_bad_commands_are_one_line_errors(command, fragment):
    with pytest.raises(ArenaError, match=fragment):
        make_agent(command, make_env("openspiel/tic_tac_toe"))


def test_a_file_that_is_not_executable_is_refused(tmp_path):
    script = tmp_path / "bot.py"
    script.write_text("print('hi')\n")
    with pytest.raises(ArenaError, match="is not executable"):
        make_agent(f"cmd:{script}", make_env("openspiel/tic_tac_toe"))


@pytest.mark.parametrize("argv, fragment", [
    (["cmd:no-such-engine"], "no program 'no-such-engine'"),
    ([f"cmd:{sys.executable} {HOSTILE} version"], "speaks protocol version 99"),
])
def test_the_cli_exits_2_with_one_line(argv, fragment):
    done = subprocess.run([sys.executable, "-m", "arena", "play", "openspiel/tic_tac_toe", *argv, "random"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert fragment in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_stderr_goes_to_the_agents_log(tmp_path):
    script = tmp_path / "chatty.py"
    script.write_text(
        "import sys\nsys.stderr.write('thinking hard\\n')\n"
        f"exec(open({str(EXAMPLES / 'random_bot.py')!r}).read())\n")
    env = make_env("openspiel/tic_tac_toe")
    agent = SubprocessAgent(env.info, [sys.executable, str(script)], name="chatty", log_dir=tmp_path)
    try:
        assert play(env, [agent, make_agent("random", env)], 0).termination == "normal"
    finally:
        agent.close()
    assert agent.log_path.parent == tmp_path and "thinking hard" in agent.log_path.read_text()


def test_act_team_over_the_protocol():
    env = make_env("openspiel/tic_tac_toe")
    agent = SubprocessAgent(env.info, [sys.executable, str(EXAMPLES / "random_bot.py")])
    views = {seat: SimpleNamespace(seat=seat, time_left=1.0, legal_actions=[seat, 7], tensor=np.zeros(3))
             for seat in (0, 1)}
    try:
        agent.reset((0, 1), 5)
        actions = agent.act_team(views)
    finally:
        agent.close()
    assert set(actions) == {0, 1} and all(actions[s] in (s, 7) for s in actions)


def test_plugins_register_engines_by_name():
    engine = command_agent([sys.executable, str(EXAMPLES / "random_bot.py")], name="pybot")
    env = make_env("openspiel/tic_tac_toe")
    agent = engine(env.info)
    try:
        assert agent.hello["name"] == "random_bot.py" and agent.name == "pybot"
        assert play(env, [agent, make_agent("random", env)], 3).termination == "normal"
    finally:
        agent.close()


# -- the agent side: scripted exchanges with serve() --------------------------------------------

class Recorder(Agent):
    """Plays the highest legal action and remembers what it was told."""

    def __init__(self, env_info):
        super().__init__(env_info)
        self.log = []

    def reset(self, seats, seed):
        self.log.append(("reset", seats, seed))

    def act(self, obs):
        self.log.append(("act", obs.seat, obs.tensor.shape, obs.time_left))
        return np.int64(max(obs.legal_actions))

    def inform(self, seat, action):
        self.log.append(("inform", seat, action))


def _exchange(agent, *messages, env=None):
    stdin = io.BytesIO(b"".join(encode(m) for m in messages))
    stdout = io.BytesIO()
    code = serve(agent, name="recorder", version="1", env=env, stdin=stdin, stdout=stdout)
    return code, [json.loads(line) for line in stdout.getvalue().splitlines()]


def test_serve_answers_each_request_and_passes_informs():
    env = make_env("openspiel/tic_tac_toe")
    agent = Recorder(env.info)
    obs = np.arange(27, dtype=float).tolist()
    code, replies = _exchange(
        agent,
        {"type": "hello", "protocols": [1]},
        {"type": "reset", "env": {}, "seats": [1], "seed": 42},
        {"type": "inform", "seat": 0, "action": 4},
        {"type": "act", "seat": 1, "legal_actions": [0, 2, 8], "observation": obs, "time_left": 0.5},
        {"type": "something-from-the-future"},
        {"type": "quit"},
        {"type": "act", "seat": 1, "legal_actions": [0], "observation": obs, "time_left": 0.5},
    )
    assert code == 0
    assert [r["type"] for r in replies] == ["hello", "ready", "action"]
    assert replies[0] == {"type": "hello", "name": "recorder", "version": "1", "protocol": 1,
                          "forward_model": False}
    assert replies[2]["action"] == 8
    assert agent.log == [("reset", (1,), 42), ("inform", 0, 4), ("act", 1, (3, 3, 3), 0.5)]


def test_serve_turns_an_exception_into_an_error_reply():
    class Broken(Recorder):
        def act(self, obs):
            raise ValueError("no idea")

    env = make_env("openspiel/tic_tac_toe")
    _, replies = _exchange(Broken(env.info), {"type": "hello", "protocols": [1]},
                           {"type": "act", "seat": 0, "legal_actions": [1], "observation": [0.0] * 27})
    assert replies[-1] == {"type": "error", "message": "ValueError: no idea"}


def test_serve_refuses_a_host_without_its_protocol_version():
    env = make_env("openspiel/tic_tac_toe")
    code, replies = _exchange(Recorder(env.info), {"type": "hello", "protocols": [2, 3]})
    assert code == 2 and replies[0]["type"] == "error" and "protocol 1" in replies[0]["message"]


def test_remote_imports_and_starts_children_where_libc_has_no_prctl():
    # macOS has no prctl: the package must import, and the child setup must still run.
    code = (
        "import ctypes\n"
        "class NoPrctl:\n"
        "    def __init__(self, *args, **kwargs): pass\n"
        "ctypes.CDLL = NoPrctl\n"
        "import arena.remote\n"
        "from arena.remote.process import child_setup\n"
        "child_setup(None)()\n"
        "print('IMPORTED', arena.remote.SubprocessAgent.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "IMPORTED SubprocessAgent" in out.stdout
