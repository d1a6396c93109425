"""geo_service: where support for migrants and refugees exists in Belgium, and where it is missing."""

from .app import create_app

__all__ = ["create_app"]
