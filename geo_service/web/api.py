"""Blueprint (work in progress)."""

from flask import Blueprint

bp = Blueprint("api", __name__)
