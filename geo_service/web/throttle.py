"""Bounds on what an uncached map costs (issue 13): a map page built for a filter combination
that is not in the cache takes a fraction of a second of CPU, and the coverage map alone has
tens of thousands of combinations. Each process renders at most ``CONCURRENT`` of them at once
(others wait up to ``WAIT_SECONDS``, then get 503 with Retry-After), and each client may cause at
most ``PER_CLIENT`` such renders per ``WINDOW_SECONDS`` (then 429 with Retry-After). Cached pages
cost nothing and are never limited."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from contextlib import contextmanager

from flask import request

from ..errors import Busy, TooManyRequests

CONCURRENT = 2
WAIT_SECONDS = 10.0
PER_CLIENT = 30
WINDOW_SECONDS = 60.0
MAX_CLIENTS = 10_000  # clients remembered per process; the longest-idle are forgotten first


class RenderGuard:
    def __init__(
        self,
        concurrent: int = CONCURRENT,
        per_client: int = PER_CLIENT,
        window: float = WINDOW_SECONDS,
        wait: float = WAIT_SECONDS,
    ):
        self.per_client, self.window, self.wait = per_client, window, wait
        self._slots = threading.BoundedSemaphore(concurrent)
        self._clients: OrderedDict[str, deque] = OrderedDict()
        self._lock = threading.Lock()
        self._inside = threading.local()  # a build nested in another (a map page and its view) is one render

    def _spend(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            hits = self._clients.pop(client, None) or deque()
            while hits and now - hits[0] > self.window:
                hits.popleft()
            if len(hits) >= self.per_client:
                self._clients[client] = hits
                wait = int(self.window - (now - hits[0])) + 1
                raise TooManyRequests(
                    f"Too many new map views from this address: at most {self.per_client} per "
                    f"{int(self.window)} s; maps already viewed stay available. Try again in {wait} s.",
                    retry_after=wait,
                )
            hits.append(now)
            self._clients[client] = hits
            while len(self._clients) > MAX_CLIENTS:
                self._clients.popitem(last=False)

    @contextmanager
    def render(self, client: str):
        """Around the build of one uncached page for ``client``; a build inside another on the same
        thread (the map page building its first view) is part of that render: no second charge."""
        if getattr(self._inside, "depth", 0):
            self._inside.depth += 1
            try:
                yield
            finally:
                self._inside.depth -= 1
            return
        self._spend(client)
        if not self._slots.acquire(timeout=self.wait):
            raise Busy(
                "The service is drawing other new maps; please try again in a few seconds.", retry_after=int(self.wait)
            )
        self._inside.depth = 1
        try:
            yield
        finally:
            self._inside.depth = 0
            self._slots.release()


MAPS = RenderGuard()


def client_address() -> str | None:
    """The client a render is charged to; None for the service's own warm-up requests."""
    from .warmup import WARM_UP_KEY

    if request.environ.get(WARM_UP_KEY):
        return None
    return request.remote_addr or "unknown"
