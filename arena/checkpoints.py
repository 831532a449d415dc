"""Loading checkpoints as weights only: a checkpoint is data, never code.

`torch.load(weights_only=True)` unpickles only tensors and plain containers; a pickle that
would run code (a `__reduce__` calling os.system, say) is refused with one line. Files ending
in `.safetensors` are read with the safetensors package, which has no code path at all.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Any

from arena.errors import ArenaError


def load_checkpoint(path: str | Path, map_location: str = "cpu") -> Any:
    """The tensors (and plain dicts, lists, numbers, strings) saved in `path`."""
    path = Path(path)
    if not path.is_file():
        raise ArenaError(f"no checkpoint file {str(path)!r}")
    if path.suffix == ".safetensors":
        return _load_safetensors(path)
    import torch

    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        named = re.search(r"GLOBAL ([\w.]+)", str(exc))  # what the pickle would have called
        if named is None and "Unsupported operand" in str(exc):  # not a pickle at all
            raise ArenaError(f"cannot read checkpoint {str(path)!r}: not a torch checkpoint") from None
        what = f"it would call {named[1]}" if named else "it holds objects, not just tensors"
        raise ArenaError(
            f"refusing to load {str(path)!r}: not weights only ({what}); "
            "save a state_dict of tensors, or use .safetensors"
        ) from None
    except (RuntimeError, EOFError, OSError) as exc:
        raise ArenaError(f"cannot read checkpoint {str(path)!r}: {str(exc).splitlines()[0][:200]}") from None
    except Exception:  # noqa: BLE001 - text or other bytes that the unpickler trips over (KeyError: 105)
        raise ArenaError(f"cannot read checkpoint {str(path)!r}: not a torch checkpoint") from None


def prepare_run_dir(out: str | Path) -> Path:
    """Create a training run's folder and prove it writable now, not after an hour of training."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ArenaError(f"--out {out} is not writable ({exc.strerror or exc})") from None
    return out


def _load_safetensors(path: Path) -> dict[str, Any]:
    try:
        from safetensors.torch import load_file
    except ImportError:
        raise ArenaError(f"{str(path)!r} is a safetensors file: pip install safetensors") from None
    try:
        return load_file(str(path))
    except Exception as exc:  # noqa: BLE001 - a corrupt file, in one line
        raise ArenaError(f"cannot read checkpoint {str(path)!r}: {str(exc).splitlines()[0][:200]}") from None
