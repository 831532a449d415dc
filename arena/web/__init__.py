"""`arena serve`: a local, read-only web app over a game store (Flask, served by waitress).

from arena.web import create_app
create_app("arena.db").run()   # or: arena serve --db arena.db
"""

from arena.web.app import create_app

__all__ = ["create_app"]
