"""Every GEO_SERVICE_* setting read in geo_service/settings.py is in the README's settings table,
and the table names no setting that is not read."""

from __future__ import annotations

import re

from geo_service.settings import PROJECT_ROOT

NAME = re.compile(r"GEO_SERVICE_[A-Z0-9_]+")


def _read_in_settings() -> set[str]:
    return set(NAME.findall((PROJECT_ROOT / "geo_service" / "settings.py").read_text(encoding="utf-8")))


def _settings_table() -> set[str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return {name for row in rows for name in NAME.findall(row.split("|")[1])}


def test_every_setting_is_documented_in_the_readme():
    read = _read_in_settings()
    assert read, "settings.py reads GEO_SERVICE_* variables"
    assert read - _settings_table() == set(), "add these to the README's settings table"


def test_the_readme_documents_only_settings_that_exist():
    assert _settings_table() - _read_in_settings() == set()
