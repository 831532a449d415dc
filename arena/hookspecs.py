"""The hooks a plugin may implement. Each `register_*` hook is handed a `register` callback;
registrations name their code lazily as "module:attr", so listing imports nothing heavy.
pluggy lets an implementation take fewer arguments than the spec, so specs can grow."""

import pluggy

hookspec = pluggy.HookspecMarker("arena")
hookimpl = pluggy.HookimplMarker("arena")


@hookspec
def register_envs(register):
    """register(env_id, "module:factory", *, kind, players, teams=False, forward_model=False,
    description="", catalog=None). An env_id ending in "/*" registers a whole family: the
    factory then builds any id under it and `catalog` ("module:attr") lists its members."""


@hookspec
def register_agents(register):
    """register(name, "module:Class", *, description="", requires=Requirements(...))."""


@hookspec
def register_trainers(register):
    """register(name, "module:click_command", *, description="")."""


@hookspec
def register_commands(cli):
    """Add click commands to the `arena` command group."""


@hookspec
def on_game_end(record):
    """A game finished (a GameRecord); called in the process that stores it."""


@hookspec
def on_tournament_end(name, env_id, results):
    """A tournament finished; `results` holds its game records."""
