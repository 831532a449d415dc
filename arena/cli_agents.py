"""`arena serve-agent`, `arena install`, `arena uninstall`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import click

from arena.errors import ArenaError


@click.command("serve-agent")
@click.argument("spec")
@click.option("--game", "env_id", required=True, help="The env the agent will play, e.g. openspiel/connect_four.")
def serve_agent(spec, env_id):
    """Serve an agent over the JSON-lines protocol on stdin/stdout (docs/protocol.md)."""
    from arena.remote import protect_stdout, serve

    channel = protect_stdout()  # before any plugin or agent code can print
    from arena.api import make_agent, make_env

    env = make_env(env_id)
    agent = make_agent(spec, env)
    sys.exit(serve(agent, name=spec, version=_version(), env=env, stdout=channel))


@click.command()
@click.argument("packages", nargs=-1, required=True)
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade packages already installed.")
@click.option("-e", "--editable", is_flag=True, help="Install a local project in editable mode.")
def install(packages, upgrade, editable):
    """Install plugins from the package index (or paths) and show what they added."""
    args = ["install", *(["--upgrade"] if upgrade else [])]
    args += [a for p in packages for a in (["-e", p] if editable else [p])]
    _change(args, packages)


@click.command()
@click.argument("packages", nargs=-1, required=True)
def uninstall(packages):
    """Uninstall plugin packages and show what went."""
    _change(["uninstall", "--yes", *packages], packages)


def _change(pip_args: list[str], packages) -> None:
    before = registry_snapshot()
    _run_pip(pip_args, " ".join(packages))
    after = registry_snapshot()
    lines = describe_changes(before, after)
    click.echo("\n".join(lines) if lines else "no plugins, agents or envs appeared or went")


def pip_command() -> list[str]:
    """This interpreter's pip, in a subprocess (in-process pip breaks under uv tool installs);
    uv's pip interface when pip is absent."""
    probe = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True)
    if probe.returncode == 0:
        return [sys.executable, "-m", "pip"]
    uv = shutil.which("uv")
    if uv:
        return [uv, "pip", "--python", sys.executable]
    raise ArenaError("neither pip nor uv is available for this Python; install one of them")


def _run_pip(args: list[str], what: str) -> None:
    command = pip_command()
    if command[1:2] == ["pip"] and args[0] == "uninstall":  # uv pip uninstall has no --yes
        args = [a for a in args if a != "--yes"]
    done = subprocess.run([*command, *args], stdout=sys.stderr, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise ArenaError(f"{args[0]} of {what} failed: {_pip_error(done.stderr)}")


def _pip_error(stderr: str) -> str:
    errors = [ln.strip() for ln in stderr.splitlines() if ln.strip().startswith("ERROR")]
    lines = errors or [ln.strip() for ln in stderr.splitlines() if ln.strip()] or ["no output"]
    return lines[-1].removeprefix("ERROR: ")[:300]


def registry_snapshot() -> dict[str, dict]:
    """What a fresh process sees: {plugin: {"version", "registered"}} from `arena plugins --json`."""
    done = subprocess.run([sys.executable, "-m", "arena", "plugins", "--json"], capture_output=True, text=True)
    if done.returncode != 0:
        raise ArenaError(f"`arena plugins --json` failed: {_pip_error(done.stderr)}")
    return {p["name"]: p for p in json.loads(done.stdout)}


def describe_changes(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    """Plugins and what they registered, that appeared, went or changed version."""
    lines = []
    for name in sorted(after.keys() - before.keys()):
        lines.append(f"+ plugin {name} {after[name].get('version') or ''}".rstrip())
    for name in sorted(before.keys() - after.keys()):
        lines.append(f"- plugin {name}")
    for name in sorted(before.keys() & after.keys()):
        if before[name].get("version") != after[name].get("version"):
            lines.append(f"~ plugin {name} {before[name].get('version')} -> {after[name].get('version')}")
    for kind in ("agents", "envs", "trainers"):
        old = {item for p in before.values() for item in p["registered"].get(kind, [])}
        new = {item for p in after.values() for item in p["registered"].get(kind, [])}
        lines += [f"+ {kind[:-1]} {item}" for item in sorted(new - old)]
        lines += [f"- {kind[:-1]} {item}" for item in sorted(old - new)]
    for name, plugin in sorted(after.items()):
        for error in plugin.get("errors", []):
            if error not in before.get(name, {}).get("errors", []):
                lines.append(f"! plugin {name}: {error}")
    return lines


def _version() -> str:
    from arena import __version__

    return __version__
