"""Atomic file output: write to a temporary file beside the target, then rename.

A reader never sees a half-written file, and an interrupted or failed write
leaves any earlier version of the target untouched.  The file gets the mode a
plain ``open()`` would give it (``0o666`` less the umask), or keeps the mode of
the file it replaces.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .errors import InputError

__all__ = ["atomic_write", "atomic_write_text", "atomic_write_json", "atomic_save_npz", "ensure_parent"]


def ensure_parent(path: str | Path, *, create: bool = False) -> Path:
    """Return ``path`` as a Path, checking that its directory exists (or creating it)."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if create:
        parent.mkdir(parents=True, exist_ok=True)
    if not parent.is_dir():
        raise InputError("output directory does not exist", path=str(parent))
    if not os.access(parent, os.W_OK):
        raise InputError("output directory is not writable", path=str(parent))
    return path


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", *, encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Open a temporary file for writing and move it onto ``path`` on success.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_write(target) as fh:
    ...     _ = fh.write("hello\\n")
    >>> target.read_text()
    'hello\\n'
    """
    path = ensure_parent(path)
    binary = "b" in mode
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding) as fh:
            yield fh
            fh.flush()
            os.chmod(fh.fileno(), _mode_for(path))  # mkstemp creates 0600
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _mode_for(path: Path) -> int:
    """The mode of the file being replaced, else what ``open()`` would create: ``0o666`` less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where the system tells it (Linux's /proc)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)  # elsewhere the only way to read it is to set it, and at once back
    os.umask(current)
    return current


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_write(path) as fh:
        fh.write(text)


def atomic_write_json(path: str | Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n")


def atomic_save_npz(path: str | Path, **arrays: Any) -> None:
    """Save arrays with ``numpy.savez`` atomically (never with object dtype)."""
    import numpy as np

    for name, arr in arrays.items():
        if np.asarray(arr).dtype == object:
            raise TypeError(f"array {name!r} has object dtype and would need pickle")
    with atomic_write(path, "wb") as fh:
        np.savez(fh, **arrays)


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")
