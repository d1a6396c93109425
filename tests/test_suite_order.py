"""The order in which the test files are handed to the xdist workers (tests/order_support.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from order_support import GUESS_SECONDS, OTHER_SECONDS, expected_seconds, longest_files_first


@dataclass
class Item:
    nodeid: str
    marks: set[str] = field(default_factory=set)

    def get_closest_marker(self, name):
        return name if name in self.marks else None


def names(items) -> list[str]:
    return [i.nodeid for i in items]


def test_a_few_long_tests_go_before_many_short_ones_and_each_file_keeps_its_order():
    items = [Item(f"tests/test_many.py::t{n}") for n in range(40)]  # 40 x 0.1 s
    items += [Item("tests/test_fuzz.py::a", {"slow"}), Item("tests/test_fuzz.py::b", {"slow"})]
    items += [Item("tests/test_pages.py::x", {"browser"}), Item("tests/test_pages.py::y")]
    ordered = longest_files_first(items, {})
    assert names(ordered) == [
        "tests/test_fuzz.py::a",
        "tests/test_fuzz.py::b",
        "tests/test_pages.py::x",
        "tests/test_pages.py::y",
        *[f"tests/test_many.py::t{n}" for n in range(40)],
    ]
    assert sorted(names(ordered)) == sorted(names(items))  # nothing dropped, nothing doubled


def test_times_of_the_last_run_win_over_the_guess():
    items = [Item("tests/test_a.py::slow_one", {"slow"}), Item("tests/test_b.py::quick_one")]
    assert names(longest_files_first(items, {})) == ["tests/test_a.py::slow_one", "tests/test_b.py::quick_one"]
    measured = {"tests/test_a.py::slow_one": 0.5, "tests/test_b.py::quick_one": 30.0}
    assert names(longest_files_first(items, measured)) == ["tests/test_b.py::quick_one", "tests/test_a.py::slow_one"]


def test_a_guess_takes_the_costliest_marker():
    assert expected_seconds(Item("t.py::a", {"postgres", "browser"}), {}) == GUESS_SECONDS["browser"]
    assert expected_seconds(Item("t.py::a"), {}) == OTHER_SECONDS
    assert expected_seconds(Item("t.py::a", {"slow"}), {"t.py::a": 2.5}) == 2.5


def test_the_run_hands_out_files_in_this_order(pytestconfig):
    """conftest.py switches xdist's own reordering off (it would sort by number of tests)."""
    assert getattr(pytestconfig.option, "loadscopereorder", False) is False
    assert pytestconfig.pluginmanager.get_plugin("geo_service-file-order") is not None
