"""Checks that every quoted source sentence appears verbatim in the seed document it cites."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

MAX_QUOTE_WORDS = 25


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=16)
def _seed_text(path: str) -> str:
    return _collapse(Path(path).read_text(encoding="utf-8"))


def iter_seed_sources(records: list[dict]):
    """(record id, field path, source) for every seed source of records and their sites."""
    for record in records:
        for i, source in enumerate(record.get("sources") or []):
            yield record.get("id"), f"sources[{i}]", source
        for key in ("sites", "places"):
            for j, site in enumerate(record.get(key) or []):
                for i, source in enumerate(site.get("sources") or []):
                    yield record.get("id"), f"{key}[{j}].sources[{i}]", source


def quote_problems(records: list[dict], seeds_dir: Path) -> list[dict]:
    """Problems with seed quotes: missing seed file, quote too long, or not found verbatim."""
    problems = []
    for rid, field, source in iter_seed_sources(records):
        if "seed" not in source:
            continue
        path = seeds_dir / source["seed"]
        if not path.is_file():
            problems.append(
                {
                    "record": rid,
                    "field": f"{field}.seed",
                    "reason": f"seed file {source['seed']} not found in {seeds_dir}",
                }
            )
            continue
        quote = _collapse(source.get("quote") or "")
        if len(quote.split()) > MAX_QUOTE_WORDS:
            problems.append(
                {
                    "record": rid,
                    "field": f"{field}.quote",
                    "reason": f"quote has {len(quote.split())} words (at most {MAX_QUOTE_WORDS})",
                }
            )
        if quote not in _seed_text(str(path)):
            problems.append(
                {
                    "record": rid,
                    "field": f"{field}.quote",
                    "reason": f"quote not found verbatim in {source['seed']}: '{quote[:60]}...'",
                }
            )
    return problems
