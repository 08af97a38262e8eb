"""Account pages: sign in and out, invitations, API tokens."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, template_folder="templates")


@bp.route("/login", methods=["GET", "POST"])
def login():
    raise NotImplementedError


@bp.post("/logout")
def logout():
    raise NotImplementedError


@bp.route("/account/tokens", methods=["GET", "POST"])
def tokens():
    raise NotImplementedError
