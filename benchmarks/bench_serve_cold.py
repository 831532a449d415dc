"""The cold leaderboard page alone, as wall clock and as the CPU seconds the server process spent
(which a loaded machine does not inflate), for side-by-side runs of two checkouts on one store:

    nice -n 15 python benchmarks/bench_serve_cold.py /tmp/bench_serve.db   # a store bench_serve.py built
    cd /tmp && PYTHONPATH=OLD:OLD/agents:OLD/plugins python /path/to/bench_serve_cold.py DB   # checkout OLD

Run it from outside a checkout for the second line: `python -m`-style path lookups put the
current folder first.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import urllib.request

ENV = "openspiel/connect_four"


def main(path: str) -> None:
    from waitress import create_server

    from arena.leaderboard.stored import board_from_store
    from arena.store import Store
    from arena.web import create_app

    server = create_server(create_app(path, prefit=False), host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}/leaderboard?env={ENV}"

    def fetch() -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        with urllib.request.urlopen(url, timeout=600) as r:
            assert r.status == 200 and r.read()
        return time.perf_counter() - wall, time.process_time() - cpu

    cold = fetch()
    warm = sorted(fetch() for _ in range(5))[2]
    with Store(path, readonly=True) as store:
        wall, cpu = time.perf_counter(), time.process_time()
        board_from_store(store, ENV)
        board = time.perf_counter() - wall, time.process_time() - cpu
    figures = {"cold": cold, "warm (median of 5)": warm, "board_from_store": board}
    print(json.dumps({f"{k} {u}": round(v[i], 3) for k, v in figures.items() for i, u in enumerate(("wall", "cpu"))}))
    print(f"load average {os.getloadavg()[0]:.1f}")
    os._exit(0)  # the server thread holds its sockets open


if __name__ == "__main__":
    main(sys.argv[1])
