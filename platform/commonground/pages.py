"""Page plumbing shared by every capability's views: the page context and filters, security
headers, error pages, safe redirects and the one way a POST form runs its action."""

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from flask import Flask, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, format_decimal, format_time
from flask_login import current_user

from .db import iso
from .errors import Forbidden, NotFound, ServiceError, Unauthorized
from .i18n import (
    current_language,
    language_name,
    numbering_system,
    percent,
    text_direction,
    ui_languages,
)
from .labels import role_label, scheme_label, status_label
from .transactions import in_transaction

T = TypeVar("T")


def init_pages(app: Flask) -> None:
    """What every page gets: the context, the filters and the security headers."""

    @app.context_processor
    def page_context():
        return {
            "current_language": current_language(),
            "text_direction": text_direction(),
            # The digits Babel writes numbers in for this locale: the page script formats
            # live numbers with the same (Intl alone would write Arabic-Indic digits in ar).
            "numbering_system": numbering_system(),
            "ui_languages": ui_languages(),
            "language_name": language_name,
            "status_label": status_label,
            "role_label": role_label,
            "scheme_label": scheme_label,
        }

    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["number"] = format_decimal
    # An instant given as ISO 8601 (as the JSON shapes carry it), as a time of day in the
    # reader's locale and time zone.
    app.jinja_env.filters["clock"] = lambda value: (
        format_time(datetime.fromisoformat(value.replace("Z", "+00:00")), "short") if value else ""
    )
    app.jinja_env.filters["percent"] = percent
    # For <time datetime="…">: the machine-readable instant beside the localised one.
    app.jinja_env.filters["isotime"] = lambda value: iso(value) or ""

    @app.after_request
    def security_headers(response):
        for name, value in security_headers_for(request, response).items():
            response.headers.setdefault(name, value)
        return response


#: A year, the usual HSTS lifetime (browsers remember to use HTTPS only).
HSTS_SECONDS = 365 * 24 * 3600


def security_headers_for(request, response) -> dict[str, str]:
    """The headers every answer carries (set unless the view chose its own).

    - CSP: scripts, styles and connections from this origin only (sockets: this host over
      ws/wss, plus ``SOCKETIO_ALLOWED_ORIGINS``), no ``<base>``, forms post here only.
    - HSTS over HTTPS (the request came over it — through ``TRUSTED_PROXIES`` behind a
      balancer — or the session cookie is ``Secure``, so the site is meant for HTTPS).
    - ``Cache-Control: no-store`` for what a signed-in person sees (their pages and API
      answers may show private data); static files stay cacheable.
    """
    config = current_app.config
    socket_scheme = "wss" if request.is_secure else "ws"
    connect = ["'self'", f"{socket_scheme}://{request.host}"]
    for origin in config.get("SOCKETIO_ALLOWED_ORIGINS", []):
        if origin != "*" and "://" in origin:
            scheme, rest = origin.split("://", 1)
            connect += [origin, f"{'wss' if scheme == 'https' else 'ws'}://{rest}"]
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Content-Security-Policy": (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            f"connect-src {' '.join(dict.fromkeys(connect))}; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'"
        ),
    }
    if request.is_secure or config.get("SESSION_COOKIE_SECURE"):
        headers["Strict-Transport-Security"] = f"max-age={HSTS_SECONDS}; includeSubDomains"
    if request.endpoint != "static" and current_user.is_authenticated:
        headers["Cache-Control"] = "no-store"
    return headers


def render_service_error(error: ServiceError):
    """An error on a page: sign-in for 401, else an error page with the message."""
    if isinstance(error, Unauthorized):
        return redirect(url_for("accounts.login", next=request.full_path))
    return render_template("error.html", error=error), error.status


def safe_next_url(target: str | None) -> str:
    """Only same-site relative paths are followed after a form."""
    # Browsers read a backslash as "/" and drop tabs and newlines from URLs, so paths with
    # either could still lead off the site.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    ):
        return target
    return url_for("web.home")


def is_refusal_of_the_person(error: ServiceError) -> bool:
    """Whether ``error`` refuses the person (sign in, no right, nothing there) rather than
    what they typed: those go to the error pages, not beside the form."""
    return isinstance(error, Unauthorized | Forbidden) or (
        isinstance(error, NotFound) and not error.field
    )


def form_action(
    action: Callable[[], T],
    *,
    done: str | Callable[[T], str] | None,
    back: str | Callable[[T], str],
    refused: Callable[[ServiceError], ResponseReturnValue] | None = None,
    to_error_pages: Callable[[ServiceError], bool] = is_refusal_of_the_person,
) -> ResponseReturnValue:
    """Run a POST form's action in one transaction, then go ``back`` (303) with ``done``
    flashed.

    ``done`` and ``back`` may be functions of what the action returned, for a form whose
    message or next page names what it made (a new version, a new post); such a form
    answers its refusals with ``refused``. A refusal for which ``to_error_pages`` holds (by
    default a refusal of the person) goes to the site's error pages; any other is answered
    by ``refused(error)`` (the form again, its message beside the field) or, without it,
    flashed on the page the form goes back to.
    """
    try:
        result = in_transaction(action)
    except ServiceError as error:
        if to_error_pages(error):
            raise
        if refused is not None:
            return refused(error)
        flash(str(error.message), "error")
        return redirect(back, code=303)
    if callable(done):
        done = done(result)
    if done:
        flash(done, "success")
    return redirect(back(result) if callable(back) else back, code=303)
