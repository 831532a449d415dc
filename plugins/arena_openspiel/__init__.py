"""Every sequential OpenSpiel game as `openspiel/<name>[:params]`, driving pyspiel directly."""

from arena import hookimpl


@hookimpl
def register_envs(register):
    register(
        "openspiel/*",
        "arena.envs.openspiel:make",
        catalog="arena.envs.openspiel:catalog",
        description="every registered sequential OpenSpiel game, native pyspiel",
    )
