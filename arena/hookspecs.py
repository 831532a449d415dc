"""The hooks a plugin may implement.

Each `register_*` hook is handed a `register` callback. Call it with keywords,
``register(name, "module:attr", **fields)``, or with a typed spec object from `arena.specs`
(``register(AgentSpec(...))``); the fields are those of the spec, and an unknown keyword is
an error naming the plugin (which is then not loaded). Registrations name their code lazily
as "module:attr", so listing imports nothing heavy. pluggy lets an implementation take fewer
arguments than the spec, so specs can grow.
"""

import pluggy

hookspec = pluggy.HookspecMarker("arena")
hookimpl = pluggy.HookimplMarker("arena")


@hookspec
def register_envs(register):
    """register(env_id, "module:factory", *, description="", kind=None, players=None,
    teams=False, forward_model=False, catalog=None, options={}, needs=(), install="")
    (arena.specs.EnvSpec).

    The factory is called as ``factory(name, params, **options)``: `name` the id without its
    parameters, `params` the id's ``key=value`` parameters as strings, `options` the fixed
    keywords given here (one factory can serve many ids, e.g. a module name per game).
    An env_id ending in "/*" registers a whole family: the factory then builds any id under
    it and `catalog` ("module:attr") lists its members. `needs` names modules beyond the
    core (e.g. ("mpe2",)) and `install` the command that adds them."""


@hookspec
def register_agents(register):
    """register(name, "module:Class", *, description="", requires=Requirements(...),
    needs=(), install="") (arena.specs.AgentSpec)."""


@hookspec
def register_trainers(register):
    """register(name, "module:click_command", *, description="", needs=(), install="")
    (arena.specs.TrainerSpec)."""


@hookspec
def register_commands(cli):
    """Add click commands to the `arena` command group."""


@hookspec
def on_game_end(record):
    """A game finished (a GameRecord); called in the process that stores it."""


@hookspec
def on_tournament_end(name, env_id, results):
    """A tournament finished; `results` holds its game records."""
