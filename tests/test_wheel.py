"""The light core and what a plain (not editable) install carries."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory) -> Path:
    """This checkout built into a wheel and installed, not editable, into a fresh venv that
    borrows the machine's packages (torch, pyspiel, ...) so no network is needed."""
    dist = tmp_path_factory.mktemp("dist")
    # Build isolation: pip brings the setuptools pyproject.toml asks for (a venv may hold an older one).
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(dist), str(ROOT)], check=True, capture_output=True, timeout=600)
    wheel = next(dist.glob("arena_league-*.whl"))
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(root)], check=True)
    python = root / "bin" / "python"
    # Inside a venv, "system" is the base interpreter's site, without the packages installed
    # here: list this interpreter's site folders too (after the new venv's own, so the wheel's
    # arena is the one imported; a path in a .pth runs no editable-install hooks).
    site = Path(sysconfig.get_path("purelib", vars={"base": str(root), "platbase": str(root)}))
    here = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site / "borrowed.pth").write_text("\n".join(here) + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=600)
    return python


def run_in(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    # Run outside the checkout, so that only the installed wheel can be imported.
    return subprocess.run([str(python), *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_a_wheel_install_plays_muzero_with_its_bundled_checkpoint(wheel_venv, tmp_path):
    where = run_in(wheel_venv, "-c", "import arena, arena_muzero; print(arena.__file__); print(arena_muzero.__file__)",
                   cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert all("site-packages" in line for line in where.stdout.split()), where.stdout
    played = run_in(wheel_venv, "-m", "arena", "play", "openspiel/tic_tac_toe", "muzero", "random", "--json",
                    cwd=tmp_path)
    assert played.returncode == 0, played.stderr[-2000:]
    record = json.loads(played.stdout)
    assert record["termination"] == "normal" and record["players"] == ["muzero", "random"]
    typed = run_in(wheel_venv, "-c",
                   "import importlib.resources as r; print(r.files('arena').joinpath('py.typed').is_file())",
                   cwd=tmp_path)
    assert typed.stdout.strip() == "True"


BLOCK_TORCH = (
    "import sys\n"
    "class NoTorch:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'torch' or name.startswith('torch.'):\n"
    "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
    "sys.meta_path.insert(0, NoTorch())\n"
)


def test_without_torch_learnt_agents_are_listed_with_the_install_line(tmp_path):
    code = BLOCK_TORCH + (
        "import json, io, contextlib\n"
        "from arena.cli import main\n"
        "for args in (['agents', '--json'], ['plugins', '--json']):\n"
        "    out = io.StringIO()\n"
        "    with contextlib.redirect_stdout(out):\n"
        "        try:\n"
        "            main(args)\n"
        "        except SystemExit as e:\n"
        "            assert e.code in (0, None), e.code\n"
        "    print(out.getvalue())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    agents_json, plugins_json = out.stdout.split("\n]\n", 1)
    agents = {r["name"]: r for r in json.loads(agents_json + "\n]")}
    assert agents["muzero"]["unavailable"] == "needs torch: pip install 'arena-league[train]'"
    assert agents["random"]["unavailable"] is None
    plugins = {p["name"]: p for p in json.loads(plugins_json)}
    assert plugins["muzero"]["loaded"] and not plugins["muzero"]["errors"]  # listed, not failed
    assert plugins["muzero"]["unavailable"]["muzero"].endswith("pip install 'arena-league[train]'")


def test_without_torch_playing_a_learnt_agent_is_one_line_with_the_install_line(tmp_path):
    code = BLOCK_TORCH + "from arena.cli import main\nmain(['play', 'openspiel/tic_tac_toe', 'muzero', 'random'])\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert out.stderr.strip() == "Error: muzero needs torch: pip install 'arena-league[train]'"


def test_the_testing_kit_imports_without_pytest():
    code = (
        "import sys\n"
        "class NoPytest:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name in ('pytest', '_pytest') or name.startswith(('pytest.', '_pytest.')):\n"
        "            raise ModuleNotFoundError(name, name=name)\n"
        "sys.meta_path.insert(0, NoPytest())\n"
        "from arena.testing import check_agent, check_env\n"
        "check_env('openspiel/tic_tac_toe', games=1)\n"
        "check_agent('minimax', 'openspiel/tic_tac_toe', games=1)\n"
        "print('CHECKED', 'pytest' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "CHECKED False"
