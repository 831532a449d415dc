"""Imported only by the forkserver of a tournament's worker pool (multiprocessing preload): it
makes that process die the moment the arena does, even by `kill -9` and before anyone reaps
the arena, and the workers it forked die with it (they set the same). Importing this anywhere
else would tie that process's life to its parent's."""

from arena.remote.process import die_with_parent

die_with_parent()
