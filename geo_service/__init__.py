"""geo_service: where support for migrants and refugees exists in Belgium, and where it is missing.

``create_app`` is imported on first use (PEP 562), so that importing a light module such as
``geo_service.settings`` (gunicorn.conf.py, the test runner's main process) does not load the
whole application with pandas, geopandas and Flask: seconds of CPU per process.
"""

__all__ = ["create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module 'geo_service' has no attribute {name!r}")
