"""The data-sources manifest: where each third-party input comes from, and a verified local copy.

A file is taken from ``GEO_SERVICE_DATA_DIR`` when that is set, otherwise from the download cache
(fetched with pooch from its pinned URL). Every copy is checked against the pinned sha256 before
use; a missing, unreachable or altered file raises :class:`DataSourceError` naming the file, the
expected hash, the URL and the environment variable to set.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .errors import DataSourceError
from .settings import PROJECT_DATA, Settings

MANIFEST_PATH = PROJECT_DATA / "boundaries" / "manifest.yaml"


@dataclass(frozen=True)
class SourceFile:
    name: str
    path: str
    url: str
    sha256: str
    size: int
    licence: str
    attribution: str
    description: str = ""


@lru_cache(maxsize=1)
def manifest() -> dict[str, SourceFile]:
    with open(MANIFEST_PATH, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return {name: SourceFile(name=name, **entry) for name, entry in raw.items()}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fix_hint(entry: SourceFile) -> str:
    return (
        f"Fix: set GEO_SERVICE_DATA_DIR to a folder holding '{entry.path}' with sha256 {entry.sha256}, "
        f"or allow the service to download it from {entry.url}"
    )


def _verify(entry: SourceFile, path: Path) -> Path:
    actual = sha256_of(path)
    if actual != entry.sha256:
        raise DataSourceError(
            f"Data file '{entry.name}' at {path} fails its checksum: expected sha256 {entry.sha256}, "
            f"found {actual}. The file is corrupted or was replaced; it was not loaded. {_fix_hint(entry)}",
            file=entry.name,
            expected_sha256=entry.sha256,
            url=entry.url,
        )
    return path


def _download(entry: SourceFile, settings: Settings) -> Path:
    import pooch

    target_dir = settings.cache_dir / "downloads"
    cached = target_dir / entry.name
    if cached.exists():
        return _verify(entry, cached)
    if settings.offline:
        raise DataSourceError(
            f"Data file '{entry.name}' (sha256 {entry.sha256}) is not available: GEO_SERVICE_DATA_DIR "
            f"{'is not set' if settings.data_dir is None else f'({settings.data_dir}) does not hold ' + repr(entry.path)}"
            f" and GEO_SERVICE_OFFLINE forbids downloading it from {entry.url}. {_fix_hint(entry)}",
            file=entry.name,
            expected_sha256=entry.sha256,
            url=entry.url,
        )
    try:
        fetched = pooch.retrieve(
            url=entry.url,
            known_hash=f"sha256:{entry.sha256}",
            fname=entry.name,
            path=target_dir,
            progressbar=False,
        )
    except ValueError as exc:  # pooch: hash mismatch after download
        raise DataSourceError(
            f"Data file '{entry.name}' downloaded from {entry.url} does not match sha256 {entry.sha256} "
            f"and was discarded ({exc}). {_fix_hint(entry)}",
            file=entry.name,
            expected_sha256=entry.sha256,
            url=entry.url,
        ) from exc
    except Exception as exc:  # network errors of any kind
        where = (
            "GEO_SERVICE_DATA_DIR is not set"
            if settings.data_dir is None
            else f"GEO_SERVICE_DATA_DIR ({settings.data_dir}) does not hold '{entry.path}'"
        )
        raise DataSourceError(
            f"Data file '{entry.name}' (sha256 {entry.sha256}) is not available: {where}, and the "
            f"download from {entry.url} failed ({type(exc).__name__}: {exc}). {_fix_hint(entry)}",
            file=entry.name,
            expected_sha256=entry.sha256,
            url=entry.url,
        ) from exc
    return Path(fetched)


def locate(name: str, settings: Settings) -> Path:
    """Return a verified local path for manifest entry ``name``."""
    try:
        entry = manifest()[name]
    except KeyError:
        raise DataSourceError(f"'{name}' is not in the data manifest {MANIFEST_PATH}") from None
    if settings.data_dir is not None:
        candidate = settings.data_dir / entry.path
        if candidate.is_file():
            return _verify(entry, candidate)
    return _download(entry, settings)


def input_fingerprint(names: list[str]) -> str:
    """Hash of the pinned hashes: a cache key that changes whenever an input changes."""
    entries = manifest()
    joined = "|".join(f"{n}:{entries[n].sha256}" for n in sorted(names))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]
