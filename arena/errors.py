"""The one exception type a user's mistake raises: the CLI prints it on one line, exit 2."""


class ArenaError(Exception):
    """Bad input or an impossible request, worded for the person who typed it."""
