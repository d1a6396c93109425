"""The seed documents as a reader cites them (title, authors, publisher, year), so that no page
shows a seed's file name ("001_e7c5b0a545e291b1.txt"). The registry is
``data/catalogue/seed_documents.yaml``; each fact it takes from a document carries a quote that
:func:`evidence_problems` finds verbatim in the seed text."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..settings import PROJECT_DATA
from .quotes import _collapse, _seed_text

REGISTRY = PROJECT_DATA / "catalogue" / "seed_documents.yaml"


@dataclass(frozen=True)
class SeedDocument:
    seed: str
    title: str | None
    label: dict | None
    authors: str | None
    publisher: str
    year: int | None
    not_before: int | None
    evidence: tuple
    identified_by: tuple

    def heading(self, lang: str) -> str:
        """The title, or for a document without one the description in ``lang``."""
        if self.title:
            return self.title
        label = self.label or {}
        return label.get(lang) or label.get("en") or self.seed

    def short(self, lang: str) -> str:
        """Publisher and title, each without its subtitle or expansion: a citation in one line for
        tables, which give the date beside it ("JRS Europe, “I Get You – Belgium”")."""
        publisher = self.publisher.split(" (")[0].split(",")[0]
        return f"{publisher}, “{self.heading(lang).split(':')[0].split(' (')[0]}”"


@cache
def registry() -> dict[str, SeedDocument]:
    """{seed file name: document}, read once."""
    import yaml

    with open(REGISTRY, encoding="utf-8") as fh:
        entries = yaml.safe_load(fh) or []
    return {
        e["seed"]: SeedDocument(
            seed=e["seed"],
            title=e.get("title"),
            label=e.get("label"),
            authors=e.get("authors"),
            publisher=e["publisher"],
            year=e.get("year"),
            not_before=e.get("not_before"),
            evidence=tuple(e.get("evidence") or ()),
            identified_by=tuple(e.get("identified_by") or ()),
        )
        for e in entries
    }


def document(seed: str | None) -> SeedDocument | None:
    return registry().get(seed) if seed else None


def evidence_problems(seeds_dir: Path, documents: dict[str, SeedDocument] | None = None) -> list[dict]:
    """Every registry quote not found verbatim in its seed, every seed file without an entry,
    and every fact stated without evidence from the seed or a page that identifies it."""
    documents = registry() if documents is None else documents
    problems = []
    for path in sorted(seeds_dir.glob("[0-9][0-9][0-9]_*.txt")):
        if path.name not in documents:
            problems.append({"record": path.name, "field": "seed", "reason": "seed file not in the registry"})
    for seed, doc in documents.items():
        path = seeds_dir / seed
        if not path.is_file():
            problems.append({"record": seed, "field": "seed", "reason": f"seed file not found in {seeds_dir}"})
            continue
        text = _seed_text(str(path))
        proven = {e["fact"] for e in doc.evidence if _collapse(e["quote"]) in text}
        for i, e in enumerate(doc.evidence):
            if _collapse(e["quote"]) not in text:
                problems.append(
                    {
                        "record": seed,
                        "field": f"evidence[{i}]",
                        "reason": f"quote not found verbatim: {e['quote'][:60]}",
                    }
                )
        elsewhere = " ".join(i.get("fact", "") for i in doc.identified_by)
        for fact in ("title", "label", "authors", "publisher", "year", "not_before"):
            if getattr(doc, fact) and fact not in proven and fact not in elsewhere:
                problems.append({"record": seed, "field": fact, "reason": "stated without evidence"})
    return problems
