"""The `arena` command line. Listing commands import no torch; plugins may add commands
through the `register_commands` hook, and trainers appear under `arena train`."""

from __future__ import annotations

import json
import sys

import click

from arena.errors import ArenaError
from arena.plugins import get_registry, load_target

# Commands that live in their own modules, imported only when used.
LAZY_COMMANDS: dict[str, str] = {
    "serve-agent": "arena.cli_agents:serve_agent", "install": "arena.cli_agents:install", "uninstall": "arena.cli_agents:uninstall",
    **{c: f"arena.cli_tournament:{c}" for c in ("tournament", "leaderboard", "games", "replay", "match")},
}


class ArenaGroup(click.Group):
    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx, name):
        if name in LAZY_COMMANDS and name not in self.commands:
            self.add_command(load_target(LAZY_COMMANDS[name]), name)
        return super().get_command(ctx, name)


@click.group(cls=ArenaGroup)
@click.version_option(package_name="arena-league")
def cli():
    """Arena: play games between AI agents, run tournaments, rank agents by Elo."""


def echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def table(title: str, columns: list[str], rows: list[list]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title, show_lines=False)
    for c in columns:
        t.add_column(c, overflow="fold")
    for row in rows:
        t.add_row(*("" if v is None else str(v) for v in row))
    Console().print(t)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins(as_json):
    """List plugins, their versions, what they registered and load errors."""
    reg = get_registry()
    rows = [
        {"name": p.name, "version": p.version, "registered": p.registered, "errors": p.errors}
        for p in reg.plugins.values()
    ]
    if as_json:
        return echo_json(rows)
    table("plugins", ["plugin", "version", "registered", "errors"], [
        [r["name"], r["version"],
         "; ".join(f"{k}: {', '.join(v)}" for k, v in r["registered"].items()),
         "; ".join(r["errors"])]
        for r in rows
    ])


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--family", default=None, help="Only ids starting with this, e.g. openspiel.")
def envs(as_json, family):
    """List the games that can be played."""
    from arena.api import list_envs

    rows = [r for r in list_envs() if not family or r["id"].startswith(family)]
    if as_json:
        return echo_json(rows)
    table("envs", ["id", "kind", "players", "teams", "forward model", "plugin"], [
        [r["id"], r["kind"], r["players"], "yes" if r["teams"] else "no",
         "yes" if r["forward_model"] else "no", r["plugin"]]
        for r in rows
    ])


@cli.command()
@click.option("--game", "env_id", default=None, help="Only agents that can play this env.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def agents(env_id, as_json):
    """List agents and what each can play."""
    from arena.api import cannot_play, make_env

    reg = get_registry()
    info = make_env(env_id).info if env_id else None
    rows = []
    for entry in reg.agents.values():
        req = reg.requirements(entry.name)
        reason = cannot_play(entry.name, info) if info else None
        if reason:
            continue
        rows.append({"name": entry.name, "description": entry.description,
                     "plays": _plays(req), "plugin": entry.plugin})
    if as_json:
        return echo_json(rows)
    table("agents" + (f" that can play {env_id}" if env_id else ""),
          ["agent", "plays", "description", "plugin"],
          [[r["name"], r["plays"], r["description"], r["plugin"]] for r in rows])


def _plays(req) -> str:
    parts = [", ".join(req.envs) if req.envs else "any game"]
    if req.kind:
        parts.append(req.kind)
    if req.players:
        parts.append(f"{req.players} players")
    if req.forward_model:
        parts.append("with a forward model")
    if req.teams:
        parts.append("with teams")
    return ", ".join(parts)


@cli.command()
@click.argument("env_id")
@click.argument("agent_specs", nargs=-1, required=True)
@click.option("--seed", default=0, show_default=True, help="Seed of the game.")
@click.option("--render", is_flag=True, help="Print the game after every move.")
@click.option("--time-per-move", type=float, default=None, help="Seconds per move.")
@click.option("--json", "as_json", is_flag=True, help="Print the game record as JSON.")
def play(env_id, agent_specs, seed, render, time_per_move, as_json):
    """Play one game: arena play openspiel/tic_tac_toe minimax random."""
    from arena.api import make_agent, make_env
    from arena.referee import play as play_game

    env = make_env(env_id)
    agents = [make_agent(spec, env) for spec in agent_specs]

    def show(env, record):
        click.echo(env.render())

    record = play_game(env, agents, seed, names=list(agent_specs), time_per_move=time_per_move,
                       on_step=show if render else None)
    get_registry().notify("on_game_end", record=record)
    if as_json:
        return echo_json(record.to_dict())
    click.echo(f"{env_id}  seed {seed}  {record.plies} steps  termination: {record.termination}"
               + (f" ({record.reason})" if record.reason else ""))
    for name, score in zip(record.players, record.scores):
        click.echo(f"  {score:>4g}  {name}")


@cli.command()
@click.argument("agent_spec")
@click.argument("env_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def exploitability(agent_spec, env_id, as_json):
    """How much a best responder wins against an agent's policy (NashConv / 2), exactly:
    arena exploitability cfr openspiel/leduc_poker. Small two-player zero-sum OpenSpiel games."""
    from arena.agents import policy_of
    from arena.api import make_agent, make_env

    env = make_env(env_id)
    uniform = env.exploitability(_uniform)  # refuses games it cannot enumerate, before any work
    agent = make_agent(agent_spec, env)
    value = env.exploitability(policy_of(agent, f"agent {agent_spec}"))
    agent.close()
    row = {"agent": agent_spec, "env": env_id, "exploitability": value, "nash_conv": 2 * value,
           "uniform_random": uniform}
    if as_json:
        return echo_json(row)
    click.echo(f"{agent_spec} in {env_id}: exploitability {value:.6g} "
               f"(NashConv {2 * value:.6g}; uniform random {uniform:.4g})")


def _uniform(obs) -> dict[int, float]:
    return {a: 1.0 / len(obs.legal_actions) for a in obs.legal_actions}


class TrainGroup(click.Group):
    """`arena train NAME ...`: trainers registered by plugins, imported on use."""

    def list_commands(self, ctx):
        return sorted(get_registry().trainers)

    def get_command(self, ctx, name):
        entry = get_registry().trainer(name)
        return entry.load()


@cli.group(cls=TrainGroup)
def train():
    """Train an agent (trainers come from plugins)."""


def _add_plugin_commands() -> None:
    get_registry().notify("register_commands", cli=cli)


def main(argv=None) -> None:
    """Entry point: a user's mistake is one line on stderr and exit code 2."""
    try:
        _add_plugin_commands()
        cli.main(args=argv, prog_name="arena", standalone_mode=False)
    except ArenaError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
