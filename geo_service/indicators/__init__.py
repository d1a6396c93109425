"""Indicators (WIP)."""


def compute_indicators(base, catalogue, settings):
    return None
