"""The core's own plugin: registrations every arena has, whatever ARENA_LOAD_PLUGINS says
(listed as plugin "arena")."""

from arena.hookspecs import hookimpl


@hookimpl
def register_agents(register):
    register(
        "cmd",
        "arena.remote.commands:CommandAgent",
        description="cmd:<command line>: any program speaking the JSON-lines protocol",
    )
