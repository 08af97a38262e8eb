"""Deliberation pages: overview, agenda, groups and members, agenda items."""

from flask import Blueprint

bp = Blueprint("deliberations", __name__, template_folder="templates")


@bp.get("/d/<slug>")
def show(slug):
    raise NotImplementedError


@bp.route("/deliberations/new", methods=["GET", "POST"])
def create():
    raise NotImplementedError
