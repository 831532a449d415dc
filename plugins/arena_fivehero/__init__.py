"""fivehero: a small team-versus-team hero game (PettingZoo Parallel) and a scripted team."""

from arena import SIMULTANEOUS, Requirements, hookimpl

SIZES = (1, 3, 5)


@hookimpl
def register_envs(register):
    for n in SIZES:
        register(f"fivehero/{n}v{n}", "arena_pettingzoo.env:make", kind=SIMULTANEOUS,
                 players=2, teams=True,
                 description=f"{n} vs {n} heroes (tank, ranged, healer) attack each other's base; "
                             "add :shaped=true for event rewards when training",
                 options={"module": "arena_fivehero.env", "kind": SIMULTANEOUS, "teams": True,
                          "constructor": f"fivehero_{n}v{n}"})


@hookimpl
def register_agents(register):
    register("fivehero-scripted", "arena_fivehero.scripted:ScriptedTeam",
             description="focus fire on the weakest enemy, retreat when hurt, heal, push the base",
             requires=Requirements(kind=SIMULTANEOUS, envs=("fivehero/*",)))
