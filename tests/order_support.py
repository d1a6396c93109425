"""The order in which pytest-xdist hands out the test files: the longest first.

``--dist loadfile`` gives each worker a whole file at a time, in the order the files were collected
(xdist's own reordering, by number of tests, is switched off in ``conftest.pytest_configure``).
Handed out by number of tests, a file of four tests that takes a minute (the schemathesis run)
came last and kept one worker busy while the other had nothing left to do. Here the files go in
decreasing order of what their selected tests took in the last run (pytest's cache, written by
``conftest.pytest_sessionfinish``) or, for a test not timed yet (a fresh clone), of a guess from
its markers; the order within a file is kept."""

from __future__ import annotations

TEST_SECONDS = "geo_service/test_seconds"  # key in pytest's cache (.pytest_cache): each test's last time
GUESS_SECONDS = {"slow": 8.0, "browser": 4.0, "subprocess": 3.0, "postgres": 0.3}  # a test not timed yet
OTHER_SECONDS = 0.1


def expected_seconds(item, measured: dict[str, float]) -> float:
    """The seconds ``item`` took last time, or a guess from its markers."""
    if item.nodeid in measured:
        return measured[item.nodeid]
    return max([GUESS_SECONDS[m] for m in GUESS_SECONDS if item.get_closest_marker(m)] or [OTHER_SECONDS])


def longest_files_first(items: list, measured: dict[str, float]) -> list:
    """``items`` grouped by file, the files in decreasing order of the seconds their selected tests
    are expected to take (ties: as collected). Every worker computes the same order from the same
    cache, as xdist requires (it checks that they collected alike)."""
    files: dict[str, list] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::")[0], []).append(item)
    cost = {name: sum(expected_seconds(i, measured) for i in tests) for name, tests in files.items()}
    return [item for name in sorted(files, key=lambda name: -cost[name]) for item in files[name]]
