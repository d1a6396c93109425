"""HTML pages: home, commune and initiative pages, search. Pages are served through the one
response path (:mod:`geo_service.web.responses`: ``cached_view``): rendered once per snapshot,
language and canonical URL, with their inline scripts' CSP hashes, ETag, 304 and gzip."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..catalogue import documents
from ..errors import InvalidParameter
from ..mapviews import base as mapbase
from ..mapviews import profiles
from ..mapviews.labels import vocab
from ..names import names_by_code, record_name, text_in
from .context import current_snapshot
from .responses import cached_page, cached_view, canonical, current_language  # noqa: F401 (maps_pages)

bp = Blueprint("pages", __name__)


def asset_urls() -> dict[str, str]:
    from .vendor import versioned

    return {
        "leaflet_js": versioned("leaflet", "leaflet.js"),
        "leaflet_css": versioned("leaflet", "leaflet.css"),
        "markercluster_js": versioned("markercluster", "leaflet.markercluster.js"),
        "markercluster_css": versioned("markercluster", "MarkerCluster.css"),
        "markercluster_default_css": versioned("markercluster", "MarkerCluster.Default.css"),
        "topojson_js": versioned("topojson", "topojson-client.min.js"),
        "atlas_js": url_for("static", filename="atlas-map.js"),
    }


def snapshot():
    return current_snapshot()


def collection(level: str) -> dict:
    snap = snapshot()
    return snap.derived(("mapviews.collection", level), lambda: mapbase.geometry_collection(snap.base.display[level]))


def area_names(level: str, lang: str) -> dict[str, str]:
    snap = snapshot()
    return snap.derived(
        ("mapviews.names", level, lang),
        lambda: names_by_code(snap.base.boundaries.layer(level), lang, german=level == "commune"),
    )


def commune_url(nis: str) -> str:
    return url_for("pages.commune", nis=nis, lang=current_language())


def initiative_url(initiative_id: str) -> str:
    return url_for("pages.initiative", initiative_id=initiative_id, lang=current_language())


def correction_link(**subject: str) -> str:
    """The correction form about a site or a commune, in the page's language; ``{code}`` or
    ``{id}`` as the subject gives a template the map's script fills in."""
    url = url_for("corrections.form", **subject, lang=current_language())
    return url.replace("%7Bcode%7D", "{code}").replace("%7Bid%7D", "{id}")


def labels() -> dict:
    """Every vocabulary in the page's language, translated once per language (memoised on the snapshot)."""
    return snapshot().derived(("labels", current_language()), lambda: vocab(_))


@bp.app_template_global()
def seed_document(seed: str | None):
    """The seed document a source quotes, as a reader cites it (title, authors, publisher,
    year): :mod:`geo_service.catalogue.documents`; None for a seed the registry lacks."""
    return documents.document(seed)


@bp.app_template_global()
def catalogue_text(texts, fallback=None):
    """A catalogue text (``names``, ``descriptions``, ``notes``) in the page's language."""
    return text_in(texts, current_language(), fallback)


@bp.get("/favicon.ico")
def favicon():
    """Browsers that do not read the pages' <link rel=icon> ask here: the same drawn icon."""
    return redirect(url_for("static", filename="icon.svg", v=None), code=301)  # permanent: to the unversioned URL


@bp.get("/")
@cached_view("home", params=("f",), size=6)
def home():
    def build() -> str:
        from .maps_pages import HOME  # the home map is one of the map pages

        return HOME.render({})

    return build


@bp.get("/commune/<nis>")
@cached_view("commune", size=256)
def commune(nis: str):
    snap = snapshot()
    if nis not in snap.base.boundaries.communes.index:
        try:  # an older code (1977-2024) goes to the 2025 commune that now holds it
            target = snap.base.boundaries.to_2025(nis) if nis.isdigit() and len(nis) == 5 else None
        except (KeyError, LookupError, ValueError):
            target = None
        if target and target in snap.base.boundaries.communes.index:
            return redirect(url_for("pages.commune", nis=target, **request.args.to_dict()), code=301)

    def build() -> str:
        lang = current_language()
        profile = profiles.commune_profile(
            nis, snap.base.boundaries, snap.catalogue, snap.indicators, lang, area_names("commune", lang)
        )
        sites = snap.catalogue.sites[snap.catalogue.sites["nis"] == nis]
        fragments = profiles.small_map(
            collection("commune"),
            [nis],
            area_names("commune", lang),
            sites,
            asset_urls(),
            commune_url,
            labels()["kinds"],
            _,
            lang,
            correction_link,
        )
        return render_template(
            "commune.html",
            p=profile,
            fragments=fragments,
            labels=labels(),
            params=snap.indicators.params,
            metadata=snap.indicators.metadata,
        )

    return build


@bp.get("/initiative/<initiative_id>")
@cached_view("initiative", size=128)
def initiative(initiative_id: str):
    snap = snapshot()

    def build() -> str:
        lang = current_language()
        names = area_names("commune", lang)
        profile = profiles.initiative_profile(initiative_id, snap.catalogue, names, lang)
        sites = snap.catalogue.sites_of(initiative_id)
        fragments = profiles.small_map(
            collection("commune"),
            sorted(set(sites["nis"])),
            names,
            sites,
            asset_urls(),
            commune_url,
            labels()["kinds"],
            _,
            lang,
            correction_link,
        )
        return render_template(
            "initiative.html",
            p=profile,
            fragments=fragments,
            labels=labels(),
            figure_labels={name: _(label) for name, label in profiles.FIGURE_LABELS.items()},
        )

    return build


def commune_reason(match, names: dict[str, str]) -> str:
    """Why a commune was found, in the page's language: "postcode 1348", "Jumet is a section of
    Charleroi", "Dutch name: Sint-Gillis"."""
    commune = names.get(match.nis, match.nis)
    if match.origin == "postcode":
        return _("postcode %(code)s", code=match.text)
    if match.origin == "section":
        return _("%(name)s is a section of %(commune)s", name=match.text, commune=commune)
    if match.origin == "former":
        return _("%(name)s, a former commune merged into it in 2025", name=match.text)
    label = {
        "name": _("official name"),
        "name_nl": _("Dutch name"),
        "name_fr": _("French name"),
        "name_de": _("German name"),
        "name_en": _("English name"),
        "locality": _("name of a locality"),
    }[match.origin]
    return _("%(label)s: %(name)s", label=label, name=match.text)


def initiative_reason(match, shown: str) -> str:
    """Why an initiative was found, in the page's language ("operator: Fedasil", "postcode 1348")."""
    if match.field == "postcode":
        return _("postcode %(code)s", code=match.text)
    if match.field == "name":
        return _("name") if match.text == shown else _("%(label)s: %(name)s", label=_("other name"), name=match.text)
    label = {"operator": _("operator"), "site": _("site"), "place": _("place of a site")}[match.field]
    return _("%(label)s: %(name)s", label=label, name=match.text)


@bp.get("/search")
def search():
    """Communes (any language, sections, English exonyms, postcodes) and initiatives (names in
    every language, operators, places, postcodes) matching ``q``, each with the reason it
    matched: :mod:`geo_service.search`. A query that is exactly one commune's own name opens its
    page."""
    from ..search import MAX_QUERY, index_for

    query = (request.args.get("q") or "").strip()
    if len(query) > MAX_QUERY:
        raise InvalidParameter(_("The search text is too long (at most %(n)s characters).", n=MAX_QUERY), parameter="q")
    snap = snapshot()
    lang = current_language()
    communes, initiatives = [], []
    if query:
        index = index_for(snap)
        exact = index.exact_communes(query)
        if len(exact) == 1 and not request.args.get("all"):
            return redirect(url_for("pages.commune", nis=exact[0], lang=lang), code=303)
        names = area_names("commune", lang)
        communes = [
            {"nis": m.nis, "name": names[m.nis], "why": commune_reason(m, names)} for m in index.communes(query)[:50]
        ]
        frame = snap.catalogue.initiatives
        for m in index.initiative_matches(query, lang)[:50]:
            shown = record_name(frame.at[m.id, "names"], frame.at[m.id, "name"], lang)
            initiatives.append(
                {"id": m.id, "name": shown, "kind": frame.at[m.id, "kind"], "why": initiative_reason(m, shown)}
            )
    return render_template("search.html", query=query, communes=communes, initiatives=initiatives, labels=labels())
