"""A harvest from end to end, without the command line: the catalogue as the store publishes it
now, the diff of an extract against it, and the batch that stores the diff."""

from __future__ import annotations

from ..settings import Settings
from . import BadExtract, Extract
from .diff import Change, Diff, catalogue_sites, diff
from .geocode import Geocoder
from .network import Plan


def current_catalogue(settings: Settings, base, store):
    """The catalogue every server serves now: the project's files with what the store publishes
    (earlier harvests included), cached under the same key as a server's snapshot."""
    from ..cache import cache_key, cached
    from ..catalogue import load_catalogue
    from ..state import BASE_INPUTS, _catalogue_key

    published = store.published()
    key = _catalogue_key(cache_key(BASE_INPUTS), settings, published)
    return cached(
        settings.cache_dir,
        "catalogue",
        key,
        lambda: load_catalogue(base.boundaries, published=published, settings=settings),
    )


def harvested_initiatives(plan: Plan) -> tuple[str, ...]:
    """The initiatives whose sites the harvest reads (and may close)."""
    if plan.kbo:
        return tuple(dict.fromkeys(s.initiative for s in plan.kbo))
    return (plan.osm_initiative,)


def diff_against(catalogue, boundaries, plan: Plan, extract: Extract) -> Diff:
    initiatives = harvested_initiatives(plan)
    missing = [i for i in initiatives if i not in catalogue.initiatives.index]
    if missing:
        raise BadExtract(
            f"network_register.yaml: network '{plan.network}' names {', '.join(missing)}, not in the catalogue"
        )
    geocoder = Geocoder(boundaries, catalogue.resolver)
    result = diff(extract, plan.network, catalogue_sites(catalogue, initiatives), geocoder, whole=plan.whole)
    result.initiatives = initiatives
    return result


def harvest_diff(settings: Settings, plan: Plan, extract: Extract):
    """(the diff of ``extract`` against the current catalogue, the store it was read from)."""
    from ..state import build_base_layers
    from ..store.commands import open_store

    base = build_base_layers(settings)
    store = open_store(settings)
    return diff_against(current_catalogue(settings, base, store), base.boundaries, plan, extract), store


def change_source(result: Diff, change: Change) -> dict:
    """The source a site change carries: publisher, snapshot date, the unit's identifier, licence."""
    extract = result.extract
    if extract.source == "kbo":
        number = extract.selectors.get("extract_number")
        what = f"establishment unit {change.source_id}" if change.source_id else "establishment units"
        note = f"{what}, KBO/BCE Open Data extract{f' no. {number}' if number else ''} of {extract.snapshot}"
        url = extract.url
    else:
        note = f"{change.source_id}, OpenStreetMap extract {extract.filename} of {extract.snapshot}"
        url = change.url or extract.url
    return {
        "publisher": extract.publisher,
        "url": url,
        "date": extract.snapshot,
        "licence": extract.licence,
        "note": note,
    }


def site_changes(result: Diff) -> list[dict]:
    """The diff as the store's site changes: add, update and close as they are; an unchanged
    site is confirmed (its ``last_confirmed`` becomes the snapshot date)."""
    out = []
    for change in result.changes:
        action, fields = change.action, dict(change.fields)
        if action == "unchanged":
            action, fields = "confirm", {"last_confirmed": result.extract.snapshot}
        out.append(
            {
                "action": action,
                "site": change.site,
                "initiative": change.initiative,
                "fields": fields,
                "reason": change.reason,
                "source": change_source(result, change),
            }
        )
    return out


def store_batch(store, result: Diff, digest: str = "", actor: str = "command line") -> str:
    """Store the diff as one applied batch; returns its reference (H-000001)."""
    from ..store.harvests import store_harvest

    extract = result.extract
    batch = store_harvest(
        store,
        source=extract.source,
        network=result.network,
        snapshot=extract.snapshot,
        filename=extract.filename,
        digest=digest,
        changes=site_changes(result),
        details={
            "publisher": extract.publisher,
            "licence": extract.licence,
            "url": extract.url,
            "whole": result.whole,
            "initiatives": list(result.initiatives),
            "counts": result.counts(),
            "rejected": result.rejected,
            "selectors": extract.selectors,
            "diff": [c.as_json() | {"reason": c.reason, "fields": sorted(c.fields)} for c in result.changes],
        },
        actor=actor,
    )
    return batch.reference
