"""A bounded memo of finished responses (body, gzip body, ETag) for one snapshot, so a repeated
request costs a dictionary lookup. Large bodies are also written to a file once, so the WSGI
server can hand them to the kernel with sendfile() instead of copying them per request."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MEMO_SIZE = 256
MEMO_BYTES = 256 * 1024 * 1024  # bound on the bodies kept in memory per snapshot
GZIP_MIN_BYTES = 1024
SPILL_MIN_BYTES = 256 * 1024


@dataclass(frozen=True)
class Payload:
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str
    headers: tuple[tuple[str, str], ...] = ()
    path: str | None = None  # the body as a file (large bodies only)
    gzipped_path: str | None = None

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")


class ResponseMemo:
    """LRU of payloads bounded by count and bytes; ETags derive from the snapshot version."""

    def __init__(self, version: str, max_items: int = MEMO_SIZE, max_bytes: int = MEMO_BYTES,
                 spill_min: int = SPILL_MIN_BYTES):
        self.version = version
        self.max_items, self.max_bytes, self.spill_min = max_items, max_bytes, spill_min
        self._memo: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0
        self.spill_dir = tempfile.mkdtemp(prefix=f"geo_service-api-{version}-")
        weakref.finalize(self, shutil.rmtree, self.spill_dir, True)

    def __len__(self) -> int:
        return len(self._memo)

    def etag(self, key) -> str:
        return '"' + hashlib.sha1(f"{self.version}|{key!r}".encode()).hexdigest()[:20] + '"'

    def _spill(self, name: str, data: bytes | None) -> str | None:
        if data is None or len(data) < self.spill_min:
            return None
        path = os.path.join(self.spill_dir, name)
        fd, tmp = tempfile.mkstemp(dir=self.spill_dir)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        return path

    def payload(self, key, media_type: str, build: Callable[[], bytes], headers=()) -> Payload:
        """The memoised response for ``key`` (built and gzipped once)."""
        with self._lock:
            hit = self._memo.get(key)
            if hit is not None:
                self._memo.move_to_end(key)
                return hit
        body = build()
        gz = gzip.compress(body, 6, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
        etag = self.etag(key)
        name = etag.strip('"')
        made = Payload(body, gz, media_type, etag, tuple(headers), self._spill(name, body),
                       self._spill(name + ".gz", gz))
        with self._lock:
            if key not in self._memo:
                self._memo[key] = made
                self.bytes += made.size
            while len(self._memo) > 1 and (len(self._memo) > self.max_items or self.bytes > self.max_bytes):
                _, old = self._memo.popitem(last=False)
                self.bytes -= old.size
                for path in (old.path, old.gzipped_path):
                    if path and path not in (made.path, made.gzipped_path):
                        try:  # a response still sending it keeps its open descriptor
                            os.unlink(path)
                        except OSError:
                            pass
        return made
