"""The one exception type a user's mistake raises: the CLI prints it on one line, exit 2."""


class ArenaError(Exception):
    """Bad input or an impossible request, worded for the person who typed it."""


class NoMoreInput(BaseException):
    """A person's input ended (end of file at a move prompt). Not an Exception, so the
    referee does not score it as the agent's crash: the game is abandoned, not finished,
    and `arena play` ends with exit 0 and stores nothing."""
