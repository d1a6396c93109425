"""Blueprint (work in progress)."""

from flask import Blueprint

bp = Blueprint("nominate", __name__)
