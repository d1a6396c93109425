"""Blueprint (work in progress)."""

from flask import Blueprint

bp = Blueprint("maps_pages", __name__)
