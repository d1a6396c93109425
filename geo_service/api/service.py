"""The API of one snapshot: its collections and their feature stores."""

from __future__ import annotations

from urllib.parse import urlencode

import orjson

from ..errors import NotFound
from . import documents
from .collections import Collection, build_collections
from .features import FeatureStore, feature_collection
from .query import FeatureView, ItemsQuery


class Api:
    """Everything the web layer needs, for one immutable snapshot."""

    def __init__(self, snapshot):
        self.version = snapshot.version
        self.built_at = snapshot.built_at
        self.collections: dict[str, Collection] = build_collections(snapshot)
        self.stores = {cid: FeatureStore(c) for cid, c in self.collections.items()}

    def collection(self, cid: str) -> tuple[Collection, FeatureStore]:
        try:
            return self.collections[cid], self.stores[cid]
        except KeyError:
            raise NotFound(f"No collection '{cid}'. Collections: {', '.join(self.collections)}") from None

    def items(self, cid: str, query: ItemsQuery, args: dict, base: str) -> bytes:
        c, store = self.collection(cid)
        features, matched = store.page(query)
        url = f"{base}/collections/{cid}/items"
        kept = {k: v for k, v in args.items() if k not in ("offset", "f")}

        def href(offset: int, fmt: str = "json") -> str:
            return f"{url}?{urlencode({**kept, 'offset': offset, 'f': fmt})}"

        links = [
            documents.link(href(query.offset), "self", documents.GEOJSON, "This page as GeoJSON"),
            documents.link(href(query.offset, "html"), "alternate", documents.HTML, "This page as HTML"),
            documents.link(f"{base}/collections/{cid}", "collection", documents.JSON, c.title),
        ]
        if query.offset + query.limit < matched:
            links.append(documents.link(href(query.offset + query.limit), "next", documents.GEOJSON, "Next page"))
        if query.offset > 0:
            links.append(
                documents.link(href(max(0, query.offset - query.limit)), "prev", documents.GEOJSON, "Previous page")
            )
        return feature_collection(features, matched, links, self.built_at.strftime("%Y-%m-%dT%H:%M:%SZ"))

    def item(self, cid: str, fid: str, crs: str, base: str, view: FeatureView = FeatureView()) -> bytes:
        c, store = self.collection(cid)
        feature = store.feature(fid, crs, view)
        if feature is None:
            raise NotFound(f"No feature '{fid}' in collection '{cid}'")
        url = f"{base}/collections/{cid}/items/{fid}"
        links = documents.self_links(url, documents.GEOJSON) + [
            documents.link(f"{base}/collections/{cid}", "collection", documents.JSON, c.title)
        ]
        return feature[:-1] + b',"links":' + orjson.dumps(links) + b"}"


def api_for(snapshot) -> Api:
    """The snapshot's Api, built once per snapshot."""
    return snapshot.derived(("geo_service.api", "Api"), lambda: Api(snapshot))
