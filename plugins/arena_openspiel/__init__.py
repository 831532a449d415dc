"""Every sequential OpenSpiel game as `openspiel/<name>[:params]`, driving pyspiel directly."""

from arena import hookimpl


@hookimpl
def register_envs(register):
    register(
        "openspiel/*",
        "arena_openspiel.env:make",
        catalog="arena_openspiel.env:catalog",
        description="every registered sequential OpenSpiel game, native pyspiel",
    )
