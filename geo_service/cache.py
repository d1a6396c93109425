"""On-disk cache of derived layers, keyed by the hashes of everything they are built from.

A key combines the pinned sha256 of the third-party inputs, the content of the project's own data
files and the source code of the package, so a change to any of them rebuilds the layers and a
warm start only unpickles them. The same store keeps per-snapshot values that several workers
would otherwise each build (``Snapshot.derived(..., persist=True)``), keyed by snapshot version.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import tempfile
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from .settings import PROJECT_DATA
from .sources import input_fingerprint

T = TypeVar("T")
PACKAGE_DIR = Path(__file__).resolve().parent


def _tree_digest(root: Path, patterns: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for pattern in patterns:
        for path in sorted(root.rglob(pattern)):
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(input_names: list[str], code: tuple[str, ...] | None = None) -> str:
    """Key of a derived layer: pinned input hashes, the project's data files, and the package's
    code (all of it, or only the modules named in ``code``, relative to the package)."""
    digest = hashlib.sha256()
    digest.update(input_fingerprint(input_names).encode())
    digest.update(_tree_digest(PROJECT_DATA, ("*.csv", "*.yaml", "*.yml", "*.json")).encode())
    if code is None:
        digest.update(_tree_digest(PACKAGE_DIR, ("*.py",)).encode())
    else:
        for name in code:
            digest.update(name.encode())
            digest.update((PACKAGE_DIR / name).read_bytes())
    return digest.hexdigest()[:20]


def _load(path: Path):
    """The pickled value at ``path``, or None when missing; a truncated or unreadable pickle is
    removed (and rebuilt by the caller), never trusted."""
    try:
        with open(path, "rb") as fh:
            return (pickle.load(fh),)
    except FileNotFoundError:
        return None
    except Exception:
        path.unlink(missing_ok=True)
        return None


_name_locks: dict[str, threading.Lock] = {}
_name_locks_guard = threading.Lock()
os.register_at_fork(after_in_child=_name_locks.clear)  # a lock held by a parent's thread stays held in a child


@contextmanager
def _one_builder(folder: Path, name: str):
    """Exclusive right to build ``name``: a thread lock within the process, and a POSIX record lock
    (``lockf``) on ``<name>.lock`` across processes. Record locks belong to the process and are not
    inherited by a forked child, so a fork in the middle of a build never leaves the file locked."""
    with _name_locks_guard:
        lock = _name_locks.setdefault(name, threading.Lock())
    with lock, open(folder / f"{name}.lock", "a+b") as fh:
        fcntl.lockf(fh, fcntl.LOCK_EX)  # released when the file closes, even if the build raises
        yield


def cached(cache_dir: Path, name: str, key: str, build: Callable[[], T]) -> T:
    """Return the pickled result for (name, key), building and storing it on a miss.

    One builder at a time across threads and processes: a miss takes the lock of ``name`` and
    looks again, so a second worker that misses while the first builds waits for it and reads
    its file instead of building the same value. The file is written to a temporary name and
    renamed (atomic: a reader sees the whole file or none); older keys of ``name`` are then
    removed."""
    folder = cache_dir / "derived"
    path = folder / f"{name}-{key}.pkl"
    hit = _load(path)
    if hit is not None:
        return hit[0]
    folder.mkdir(parents=True, exist_ok=True)
    with _one_builder(folder, name):
        hit = _load(path)
        if hit is not None:
            return hit[0]
        value = build()
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        for old in folder.glob(f"{name}-*.pkl"):
            if old != path:
                old.unlink(missing_ok=True)
    return value
