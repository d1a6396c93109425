"""The one response path (geo_service/web/responses.py): bodies built once and bounded, ETags of
data version and content, 304, gzip and sendfile the same way for pages, maps, downloads and API."""

from __future__ import annotations

import dataclasses
import gzip
import os
import threading

import pytest

from geo_service.web.responses import ECHO_CHARS, ECHO_ITEMS, ResponseCache, _Spill, etag_of, excerpt, make_body

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_body_keeps_raw_and_gzip_bytes_and_their_digest():
    small, large = make_body("<p>é</p>", "text/html; charset=utf-8"), make_body(b"x" * 5000, "text/plain")
    assert small.raw == "<p>é</p>".encode() and small.gzipped is None  # too small to gain from gzip
    assert gzip.decompress(large.gzipped) == large.raw and large.size == len(large.raw) + len(large.gzipped)
    assert small.digest != large.digest and len(small.digest) == 64


def test_etag_covers_data_version_and_content():
    a, b = make_body(b"a", "text/plain"), make_body(b"b", "text/plain")
    assert etag_of(a, "v1") == etag_of(make_body(b"a", "text/plain"), "v1")
    assert etag_of(a, "v1") != etag_of(b, "v1")  # a template or code change that changes the bytes
    assert etag_of(a, "v1") != etag_of(a, "v2")  # new data


def test_response_cache_builds_once_and_stays_bounded():
    builds = []

    def build(n, size=10):
        return lambda: builds.append(n) or make_body(str(n).encode() * size, "text/plain")

    cache = ResponseCache(max_items=2)
    first = cache.get("a", build("a"))
    assert cache.get("a", build("a")) is first and builds == ["a"]
    cache.get("b", build("b"))
    cache.get("c", build("c"))  # evicts "a", the least recently used
    cache.get("a", build("a"))
    assert builds == ["a", "b", "c", "a"] and len(cache) == 2
    by_bytes = ResponseCache(max_items=100, max_bytes=500)
    for n in range(10):
        by_bytes.get(n, build(n, 100))
    assert by_bytes.bytes <= 500 and len(by_bytes) < 10
    assert by_bytes.get(9, build(99)).raw == b"9" * 100  # the newest is kept


def test_spilled_files_are_named_by_content_and_bounded(tmp_path):
    spill = _Spill(max_bytes=2500)
    first = spill.path("one", b"1" * 1000)
    with open(first, "rb") as fh:
        assert fh.read() == b"1" * 1000
    assert spill.path("one", b"1" * 1000) == first
    spill.path("two", b"2" * 1000)
    spill.path("three", b"3" * 1000)  # over the bound: the oldest file goes
    assert not os.path.exists(first)


@pytest.mark.parametrize(
    "url, headers",
    [
        ("/collections/communes/items?limit=1000", {}),  # API, large (sendfile)
        ("/collections/regions?f=json", {}),  # API document
        ("/collections?f=html", {}),  # API HTML view
        ("/downloads/communes.csv", {}),  # download
        ("/map/employment?lang=en", {}),  # map page
        ("/?lang=fr", BROWSER),  # page
    ],
)
def test_every_kind_of_response_has_etag_304_and_gzip(client, url, headers):
    first = client.get(url, headers=headers)
    assert first.status_code == 200, url
    etag = first.headers["ETag"]
    assert first.headers["Content-Type"].count("charset") <= 1
    again = client.get(url, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    packed = client.get(url, headers={**headers, "Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and gzip.decompress(packed.data) == first.data
    assert packed.headers["ETag"] == etag


@pytest.mark.slow
def test_etag_changes_when_the_content_changes_under_the_same_version(fresh_app):
    """What a restart after ``catalogue import`` does if the data version misses the import: the
    bytes differ, so the ETag does (stale 304s impossible)."""
    client = fresh_app.test_client()
    holder = fresh_app.extensions["geo_service"]
    original = holder._snapshot
    url = "/collections/initiatives/items?limit=5"
    before = client.get(url)
    catalogue = original.catalogue
    initiatives = catalogue.initiatives.copy()
    initiatives.loc[initiatives.index[0], "name"] = "Renamed by an import"
    holder._snapshot = dataclasses.replace(
        original, catalogue=dataclasses.replace(catalogue, initiatives=initiatives), _memo={}, _lock=threading.Lock()
    )  # same version
    try:
        after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
        assert after.status_code == 200 and b"Renamed by an import" in after.data
        assert after.headers["ETag"] != before.headers["ETag"]
    finally:
        holder._snapshot = original


def test_spilled_bodies_survive_a_sibling_process_removing_its_folder():
    """gunicorn's old workers exit while the new ones serve: a worker must never lose (or remove)
    the folder another process spills into. Each process spills into a folder of its own, and a
    folder gone missing is made again."""
    import os
    import shutil

    from geo_service.web.responses import _Spill

    spill = _Spill()
    first = spill.path("a", b"x" * 10)
    shutil.rmtree(os.path.dirname(first))  # what an exiting process sharing the folder used to do
    again = spill.path("b", b"y" * 10)
    with open(again, "rb") as fh:
        assert fh.read() == b"y" * 10
    spill._owner = -1  # as in a forked child: the inherited folder is not this process's
    child = spill.path("c", b"z" * 10)
    assert os.path.dirname(child) != os.path.dirname(again) and os.path.exists(child)


def test_an_excerpt_is_short_whatever_was_sent():
    assert excerpt("short") == "short" and excerpt(None) is None and excerpt(7) == 7
    long = excerpt("x" * 10_000)
    assert len(long) == ECHO_CHARS and long.endswith("…")
    assert excerpt("y" * 50, limit=10) == "y" * 9 + "…"
    many = excerpt([f"error {i}" for i in range(100)])
    assert many[:ECHO_ITEMS] == [f"error {i}" for i in range(ECHO_ITEMS)] and many[-1] == "… and 90 more"
    assert len(many) == ECHO_ITEMS + 1
    nested = excerpt({"k" * 500: ["z" * 1000], "n": 3})
    (key, value), (_, number) = nested.items()
    assert len(key) == 80 and len(value[0]) == ECHO_CHARS and number == 3
    assert excerpt(("a", "b")) == ["a", "b"]
