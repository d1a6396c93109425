"""Flask-free OGC API - Features core: collections from a snapshot, query validation, paging,
serialisation, CRS, the OpenAPI document and downloads. ``api_for(snapshot)`` is the entry point."""

from .service import Api, api_for

__all__ = ["Api", "api_for"]
