"""``GET /changes``: the change feed as JSON (``f=json``, the default) or Atom (``f=atom``), over
:mod:`geo_service.changefeed`; ``since=YYYY-MM-DD`` and ``commune=NIS`` filter it. Built from the
snapshot (never the database), once per snapshot and query, through the one response path; the
commune page's history reads the same entries (:func:`commune_history`)."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import gettext

from .. import changefeed
from ..errors import InvalidParameter
from ..names import names_by_code
from .context import current_snapshot
from .responses import JSON, cached_body, current_language, send

bp = Blueprint("changes", __name__)
PARAMETERS = ("since", "commune", "f", "lang")
HISTORY_SHOWN = 20  # the latest changes a commune page lists; the feed has them all


def commune_names(lang: str) -> dict[str, str]:
    snap = current_snapshot()
    return snap.derived(
        ("changes.commune_names", lang), lambda: names_by_code(snap.base.boundaries.communes, lang, german=True)
    )


def all_changes() -> list[dict]:
    """Every published change of the current snapshot, oldest first: the catalogue's change log
    and one entry per applied register harvest."""
    snap = current_snapshot()

    def build() -> list[dict]:
        catalogue = snap.catalogue
        names = dict(zip(catalogue.initiatives.index, catalogue.initiatives["name"]))
        log = list(catalogue.changes) + changefeed.harvest_changes(catalogue.harvests, names)
        return changefeed.with_ids(sorted(log, key=lambda c: c.get("at") or ""))

    return snap.derived(("changes.all",), build)


def commune_history(nis: str) -> list[dict]:
    """The latest changes that touched commune ``nis``, newest first (for its page)."""
    return changefeed.select(all_changes(), commune=nis)[:HISTORY_SHOWN]


def change_title(change: dict) -> str:
    """What a change did, in the page's language."""
    return changefeed.what_label(change["what"], gettext)


def change_origin(change: dict) -> str:
    """Where a change came from (an import, a nomination, a correction, a harvest batch), in the page's language."""
    return changefeed.origin_label(change.get("origin") or "", gettext)


bp.add_app_template_global(commune_history, "change_history")
bp.add_app_template_global(change_title)
bp.add_app_template_global(change_origin)


def _page_link(change: dict, lang: str) -> str | None:
    """The page of what changed: its initiative, else the commune it touched."""
    if change.get("initiative"):
        return url_for("pages.initiative", initiative_id=change["initiative"], lang=lang, _external=True)
    if change.get("communes"):
        return url_for("pages.commune", nis=change["communes"][-1], lang=lang, _external=True)
    return None


@bp.get("/changes")
def feed():
    unknown = [name for name in request.args if name not in PARAMETERS]
    if unknown:
        raise InvalidParameter(
            f"Unknown parameter {unknown[0][:40]!r}: /changes takes since, commune, f and lang",
            parameter=unknown[0][:40],
        )
    form = request.args.get("f", "json")
    if form not in changefeed.FORMATS:
        raise InvalidParameter(f"f must be json or atom, not {form[:40]!r}", parameter="f")
    since = changefeed.parse_since(request.args.get("since"))
    snap = current_snapshot()
    commune = changefeed.parse_commune(request.args.get("commune"), snap.base.boundaries.communes.index)
    lang = current_language()
    media_type = changefeed.ATOM_MEDIA_TYPE if form == "atom" else JSON

    def build() -> bytes:
        names = commune_names(lang)
        query = {k: v for k, v in (("since", since and since.isoformat()), ("commune", commune)) if v}
        built = snap.built_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        meta = {
            "since": query.get("since"),
            "commune": commune,
            "version": snap.version,
            "built_at": built,
            "self": url_for("changes.feed", **query, f=form, lang=lang, _external=True),
            "self_path": url_for("changes.feed", **query, f="atom"),
            "json": url_for("changes.feed", **query, f="json", lang=lang, _external=True),
            "atom": url_for("changes.feed", **query, f="atom", lang=lang, _external=True),
            "home": url_for("pages.home", lang=lang, _external=True),
            "publisher": gettext("Welcome Atlas"),
        }
        changes = changefeed.select(all_changes(), since, commune)
        link = lambda change: _page_link(change, lang)  # noqa: E731
        if form == "atom":
            where = f" – {names[commune]}" if commune else ""
            title = gettext("Welcome Atlas: changes to the catalogue") + where
            return changefeed.as_atom(changes, meta, names, link, gettext, feed_title=title, lang=lang)
        public = {k: meta[k] for k in ("since", "commune", "version", "built_at")}
        links = [
            {"rel": "self", "type": JSON, "href": meta["json"]},
            {"rel": "alternate", "type": changefeed.ATOM_MEDIA_TYPE, "href": meta["atom"]},
        ]
        return changefeed.as_json(changes, {**public, "links": links}, names, link, gettext)

    key = (form, since, commune, lang, request.host_url)
    body = cached_body(key, media_type, build, family=("changes.feed",), size=128)
    return send(
        body,
        "no-cache",
        "Accept-Encoding, Accept-Language, Cookie",
        headers=[("Access-Control-Allow-Origin", "*")],
    )
