"""A harvest from end to end, without the command line: the catalogue as the store publishes it
now, the diff of an extract against it, and the batch that stores the diff."""

from __future__ import annotations

from ..settings import Settings
from . import BadExtract, Extract
from .diff import Diff, catalogue_sites, diff
from .geocode import Geocoder
from .network import Plan


def current_catalogue(settings: Settings, base, store):
    """The catalogue every server serves now: the project's files with what the store publishes
    (earlier harvests included), cached under the same key as a server's snapshot."""
    from ..cache import cache_key, cached
    from ..catalogue import load_catalogue
    from ..state import BASE_INPUTS, _catalogue_key

    records = store.records()
    key = _catalogue_key(cache_key(BASE_INPUTS), settings, records)
    return cached(
        settings.cache_dir,
        "catalogue",
        key,
        lambda: load_catalogue(base.boundaries, extra_records=records, settings=settings),
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
    return diff(extract, plan.network, catalogue_sites(catalogue, initiatives), geocoder, whole=plan.whole)


def harvest_diff(settings: Settings, plan: Plan, extract: Extract):
    """(the diff of ``extract`` against the current catalogue, the store it was read from)."""
    from ..state import build_base_layers
    from ..store.commands import open_store

    base = build_base_layers(settings)
    store = open_store(settings)
    return diff_against(current_catalogue(settings, base, store), base.boundaries, plan, extract), store


def store_batch(store, result: Diff) -> str:
    """Store the diff as one batch; returns its reference (H-000001)."""
    raise BadExtract("--apply needs the store's site changes (geo_service/store/published.py), not on this branch yet")
