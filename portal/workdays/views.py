"""The work calendar (holiday table). Placeholder until the calendar lands."""
from flask import Blueprint

bp = Blueprint("workdays", __name__, url_prefix="/calendar")
