"""The `arena` command line. Listing commands import no torch; plugins may add commands
through the `register_commands` hook, and trainers appear under `arena train`."""

from __future__ import annotations

import json
import os
import sys

import click

from arena.errors import ArenaError, NoMoreInput
from arena.plugins import get_registry, load_target

# Commands that live in their own modules, imported only when used.
LAZY_COMMANDS: dict[str, str] = {
    "serve-agent": "arena.cli_agents:serve_agent",
    "install": "arena.cli_agents:install",
    "uninstall": "arena.cli_agents:uninstall",
    "serve": "arena.cli_web:serve",
    **{c: f"arena.cli_tournament:{c}" for c in ("tournament", "leaderboard", "games", "replay", "match")},
}


# Seeds feed numpy's SeedSequence (no negatives) and SQLite integer columns (64-bit).
SEED = click.IntRange(0, 2**63 - 1)


class ArenaGroup(click.Group):
    def main(self, args=None, prog_name=None, **extra):
        """Every way a command can end becomes an exit code and at most one line on stderr."""
        sys.exit(
            guarded(
                lambda: super(ArenaGroup, self).main(
                    args=args, prog_name=prog_name or "arena", standalone_mode=False, **extra
                )
            )
        )

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


def table(title: str, columns: list[str], rows: list[list], wrap: tuple[str, ...] = ()) -> None:
    """A listing that reads at any width, in a pipe too (where rich assumes 80 columns): only the
    columns named in `wrap` (prose, lists) wrap, at spaces; names, ids and short values are never
    folded or cut, so no two rows can look alike. A table whose unwrappable columns do not fit
    is printed wider than the screen rather than cut."""
    from rich import box
    from rich.console import Console
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text  # Text, not markup: names may contain [brackets]

    t = Table(
        title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), title_justify="left"
    )
    for c in columns:
        t.add_column(c, no_wrap=c not in wrap, overflow="fold")
    for row in rows:
        t.add_row(*(Text("" if v is None else str(v)) for v in row))
    console = Console()
    needed = Measurement.get(console, console.options.update_width(10_000), t).minimum  # unclamped by the screen
    (console if needed <= console.width else Console(width=needed)).print(t)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins(as_json):
    """List plugins, their versions, what they registered, and problems."""
    reg = get_registry()
    rows = [
        {
            "name": p.name,
            "version": p.version,
            "loaded": p.loaded,
            "registered": p.registered,
            "unavailable": _unavailable(reg, p.name),
            "errors": p.errors,
            "warnings": p.warnings,
        }
        for p in reg.plugins.values()
    ]
    if as_json:
        return echo_json(rows)
    table(
        "plugins",
        ["plugin", "version", "registered", "problems"],
        [
            [
                r["name"],
                r["version"],
                "; ".join(f"{k}: {', '.join(v)}" for k, v in r["registered"].items()),
                "; ".join(
                    [
                        *(f"not loaded: {e}" for e in r["errors"]),
                        *r["warnings"],
                        *(f"{name} {why}" for name, why in r["unavailable"].items()),
                    ]
                ),
            ]
            for r in rows
        ],
        wrap=("registered", "problems"),
    )


def _unavailable(reg, plugin: str) -> dict[str, str]:
    """Entries of `plugin` that need a missing extra, with the command that installs it."""
    found = {}
    for table in (reg.envs, reg.agents, reg.trainers):
        for entry in table.values():
            if entry.plugin == plugin and entry.unavailable():
                found[entry.name] = entry.unavailable()
    return found


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--family", default=None, help="Only ids starting with this, e.g. openspiel.")
@click.option("--all", "show_all", is_flag=True, help="Also the registered games left out, and why.")
def envs(as_json, family, show_all):
    """List the games that can be played."""
    from arena.api import list_envs

    rows = [r for r in list_envs(show_all) if not family or r["id"].startswith(family)]
    if as_json:
        return echo_json(rows)
    # One wrapping column for the game's traits (or why it is left out): the longest ids (43
    # characters) then still fit 80 columns.
    table(
        "envs" + (" (and the games left out)" if show_all else ""),
        ["id", "players", "plays", "plugin"],
        [
            [
                r["id"],
                r["players"],
                f"left out: {r['left_out']}"
                if r["left_out"]
                else ", ".join(
                    [r["kind"], *["teams"] * bool(r["teams"]), *["forward model"] * bool(r["forward_model"])]
                ),
                r["plugin"],
            ]
            for r in rows
        ],
        wrap=("plays",),
    )


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
        rows.append(
            {
                "name": entry.name,
                "description": entry.description,
                "plays": _plays(req),
                "plugin": entry.plugin,
                "unavailable": entry.unavailable(),
            }
        )
    if as_json:
        return echo_json(rows)
    table(
        "agents" + (f" that can play {env_id}" if env_id else ""),
        ["agent", "plays", "description", "plugin"],
        [
            [
                r["name"],
                r["plays"],
                r["description"] + (f" [unavailable: {r['unavailable']}]" if r["unavailable"] else ""),
                r["plugin"],
            ]
            for r in rows
        ],
        wrap=("plays", "description"),
    )


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
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the game.")
@click.option("--render", is_flag=True, help="Print the game after every move.")
@click.option("--time-per-move", type=float, default=None, help="Seconds per move.")
@click.option("--json", "as_json", is_flag=True, help="Print the game record as JSON.")
def play(env_id, agent_specs, seed, render, time_per_move, as_json):
    """Play one game: arena play openspiel/tic_tac_toe minimax random.

    A `human` agent is asked at the terminal: it sees the position and the legal moves by
    name, and types a name or a number. If input ends before the game does, the game is
    abandoned (not stored anywhere, not counted as a forfeit) and the command exits 0."""
    from arena.api import interactive, make_agent, make_env
    from arena.backends import Job, LocalPool, Settings
    from arena.errors import NoMoreInput
    from arena.referee import play as play_game
    from arena.render import NamingEnv, show_step

    env = make_env(env_id)
    human = interactive(agent_specs)
    # Agents that need no terminal play in a worker process, so that one that kills its
    # interpreter loses the game instead of ending the arena; it warms up while they are checked.
    pool = None if human else LocalPool(1, env_id, agent_specs)
    try:
        agents = [make_agent(spec, env) for spec in agent_specs]  # a bad spec: one line, exit 2
        if pool is not None:
            for agent in agents:
                agent.close()
            settings = Settings(env_id, time_per_move, render=render)
            [(_, record)] = list(pool.run(settings, [Job("play", seed, tuple(agent_specs))]))
        else:
            try:
                record = play_game(
                    NamingEnv(env) if render else env,
                    agents,
                    seed,
                    names=list(agent_specs),
                    time_per_move=time_per_move,
                    on_step=show_step if render else None,
                )
            except NoMoreInput:
                click.echo("\nno more input: game abandoned, not stored and not scored", err=True)
                return
    finally:
        if pool is not None:
            pool.close()
    get_registry().notify("on_game_end", record=record)
    if as_json:
        return echo_json(record.to_dict())
    if human and not render:  # the human saw every position but the last
        click.echo(env.render())
    click.echo(
        f"{env_id}  seed {seed}  {record.plies} steps  termination: {record.termination}"
        + (f" ({record.reason})" if record.reason else "")
    )
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
    row = {
        "agent": agent_spec,
        "env": env_id,
        "exploitability": value,
        "nash_conv": 2 * value,
        "uniform_random": uniform,
    }
    if as_json:
        return echo_json(row)
    click.echo(
        f"{agent_spec} in {env_id}: exploitability {value:.6g} (NashConv {2 * value:.6g}; uniform random {uniform:.4g})"
    )


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


def _say(message: str) -> None:
    """One line on stderr, whatever the message holds (a plugin's text may span lines)."""
    click.echo(" ".join(str(message).split()) or "Error", err=True)


def guarded(run) -> int:
    """Run a command and turn how it ended into an exit code: 0 done, 2 a user's mistake or a
    refused request (one line saying what is valid), 130 interrupted, 1 a bug (one line; with
    ARENA_DEBUG=1 the traceback too). No traceback reaches a user."""
    debug = os.environ.get("ARENA_DEBUG", "") not in ("", "0")
    try:
        _add_plugin_commands()
        run()
        return 0
    except ArenaError as exc:
        _debug_trace(debug)
        _say(f"Error: {exc}")
        return 2
    except NoMoreInput:  # a human agent's input ended outside `arena play` (which handles it)
        _say("Error: a human agent's input ended (end of file); the game was abandoned, not stored")
        return 2
    except (click.exceptions.Abort, KeyboardInterrupt):
        _say("Interrupted.")
        return 130
    except click.exceptions.NoArgsIsHelpError as exc:  # plain `arena`: the help, on stdout
        click.echo(exc.ctx.get_help())
        return 0
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "arena"
        _say(f"Error: {exc.format_message().rstrip('.')} (see `{where} --help`)")
        return 2
    except click.ClickException as exc:
        _say(f"Error: {exc.format_message()}")
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:  # a command's own sys.exit(n), e.g. serve-agent
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        _say(f"Error: {exc.code}")
        return 2
    except BrokenPipeError:  # `arena envs | head`: the reader left, nothing to say
        _silence_stdout()
        return 0
    except OSError as exc:  # the machine refused: a full disk, a read-only folder, no permission
        _debug_trace(debug)
        where = f": {exc.filename}" if exc.filename else ""
        _say(f"Error: {exc.strerror or exc}{where}")
        return 2
    except Exception as exc:  # noqa: BLE001 - the last net: a bug, in one line
        _debug_trace(debug)
        _say(
            f"Error: unexpected {type(exc).__name__}: {exc} (a bug in arena or a plugin; "
            "ARENA_DEBUG=1 shows the traceback)"[:1000]
        )
        return 1


def _debug_trace(debug: bool) -> None:
    if debug:
        import traceback

        traceback.print_exc()


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv=None) -> None:
    """Entry point (`arena`, `python -m arena`)."""
    try:
        cli.main(args=argv, prog_name="arena")
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    if argv is None:
        _leave(code)
    sys.exit(code)


def _leave(code) -> None:
    """Exit now, without the interpreter's teardown, when an agent's abandoned thread is still
    inside native code (an MCTS search past its clock): tearing down around it aborts the
    process ("terminate called without an active exception", exit 134) after the answer."""
    from arena.referee import stuck_threads

    if not stuck_threads():
        return
    import atexit

    atexit._run_exitfuncs()  # agent processes, stores, pools: the cleanup a normal exit does
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code if isinstance(code, int) else 2)
