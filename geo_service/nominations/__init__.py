"""The public nomination form's validation: what only nominations need (the store that keeps
them is :mod:`geo_service.store`)."""
