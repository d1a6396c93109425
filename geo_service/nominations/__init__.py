"""Nominations (WIP)."""


def init_nominations(app, settings):
    """Set up storage and return the PublishedSource of approved nominations (or None)."""
    return None
