"""Uncached map renders are bounded per client and per process; cached pages never are (issue 13)."""

from __future__ import annotations

import threading

import pytest

from geo_service.errors import Busy, TooManyRequests
from geo_service.web import throttle


def test_a_client_spends_its_render_budget_then_waits():
    guard = throttle.RenderGuard(concurrent=2, per_client=3, window=60)
    for _ in range(3):
        with guard.render("10.0.0.1"):
            pass
    with pytest.raises(TooManyRequests) as refused, guard.render("10.0.0.1"):
        pass
    assert 0 < refused.value.details["retry_after"] <= 61 and "at most 3 per 60 s" in refused.value.message
    with guard.render("10.0.0.2"):  # another client has its own budget
        pass


def test_renders_beyond_the_process_bound_wait_then_get_busy():
    guard = throttle.RenderGuard(concurrent=1, per_client=100, window=60, wait=0.2)
    inside, release = threading.Event(), threading.Event()

    def hold():
        with guard.render("a"):
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=hold)
    worker.start()
    inside.wait(5)
    with pytest.raises(Busy) as busy, guard.render("b"):
        pass
    release.set()
    worker.join()
    assert busy.value.details["retry_after"] >= 0
    with guard.render("b"):  # the slot is free again
        pass


@pytest.mark.slow
def test_uncached_coverage_maps_are_limited_cached_ones_are_not(client, monkeypatch):
    monkeypatch.setattr(throttle, "MAPS", throttle.RenderGuard(per_client=2))
    urls = [f"/map/coverage?lang=en&theme={theme}&target=women" for theme in ("sport", "culture", "digital")]
    assert [client.get(u).status_code for u in urls[:2]] == [200, 200]
    refused = client.get(urls[2])
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many new map views" in refused.get_data(as_text=True)
    assert client.get(urls[0]).status_code == 200  # already drawn: served from the cache, no budget
    assert client.get("/commune/21004?lang=nl").status_code == 200  # not a map: never limited


def test_a_build_nested_in_another_is_one_render():
    """A map page builds its first view inside its own build: one charge, one slot."""
    guard = throttle.RenderGuard(concurrent=1, per_client=1)
    with guard.render("a"), guard.render("a"):  # nested: neither refused nor deadlocked
        pass
    with pytest.raises(TooManyRequests), guard.render("a"):  # the one charge was spent
        pass
