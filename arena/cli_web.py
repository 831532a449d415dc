"""`arena serve`: the web app over a store, on localhost unless told otherwise."""

from __future__ import annotations

import click

from arena.errors import ArenaError


@click.command()
@click.option("--db", default=None, help="SQLite file of games (default: $ARENA_DB, else arena.db here).")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 shows the store to your whole network.",
)
@click.option("--port", type=int, default=8000, show_default=True, help="Port; 0 takes any free one.")
@click.option("--threads", type=int, default=4, show_default=True, help="Request threads.")
def serve(db, host, port, threads):
    """Browse a store in a web browser, read-only: leaderboards, agents, games, replays.
    Pages follow a tournament writing to the same store without a reload."""
    import socket

    from waitress import create_server

    from arena.store import default_path
    from arena.web import create_app

    if not 0 <= port < 65536:
        raise ArenaError(f"--port must be 0 to 65535, got {port}")
    if threads < 1:
        raise ArenaError(f"--threads must be at least 1, got {threads}")
    app = create_app(db if db is not None else default_path(), prefit=True)
    try:
        server = create_server(app, host=host, port=port, threads=threads)
    except (OSError, socket.gaierror) as exc:
        raise ArenaError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; pass another --port") from None
    click.echo(f"arena serve: http://{host}:{server.effective_port}/ (read-only; Ctrl-C stops)", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.close()
