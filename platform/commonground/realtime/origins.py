"""Which web origins may open a socket: the site itself, plus an operator's allow-list.

A browser sends its page's origin with every WebSocket handshake and polling request, and
sends the user's cookies along whatever page opened it. Without this check any site the
user visits could open a socket in their name (cross-site WebSocket hijacking).
"""

import logging
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)


def normalise_origin(origin: str) -> str | None:
    """``scheme://host[:port]`` in lower case, default ports dropped; None if malformed."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def same_origins(environ: dict) -> set[str]:
    """The origins of this server as the request reached it (directly or via a proxy)."""
    hosts = {environ.get("HTTP_HOST", "")}
    schemes = {environ.get("wsgi.url_scheme", "http")}
    # Behind a reverse proxy the browser saw the proxy's scheme and host.
    if forwarded_host := environ.get("HTTP_X_FORWARDED_HOST"):
        hosts.add(forwarded_host.split(",")[0].strip())
    if forwarded_proto := environ.get("HTTP_X_FORWARDED_PROTO"):
        schemes.add(forwarded_proto.split(",")[0].strip().lower())
    origins = set()
    for scheme in schemes:
        for host in hosts:
            if host and (origin := normalise_origin(f"{scheme}://{host}")):
                origins.add(origin)
    return origins


def origin_policy(allowed: Iterable[str]) -> Callable[[str | None, dict], bool]:
    """The check handed to Engine.IO as ``cors_allowed_origins``.

    Same-origin is always allowed; ``allowed`` adds origins (full ``scheme://host[:port]``).
    A ``*`` entry is ignored with a warning: allowing every origin would let any web page
    act with a visitor's session.
    """
    extra = set()
    for entry in allowed:
        if entry.strip() == "*":
            logger.warning("SOCKETIO_ALLOWED_ORIGINS: '*' ignored; list the origins instead")
            continue
        if (origin := normalise_origin(entry)) is None:
            logger.warning("SOCKETIO_ALLOWED_ORIGINS: %r is not an origin; ignored", entry)
            continue
        extra.add(origin)

    def origin_allowed(origin: str | None, environ: dict | None = None) -> bool:
        if not origin:
            # Not a browser (browsers always send Origin on sockets): the credential alone
            # decides, as for any API client.
            return True
        candidate = normalise_origin(origin)
        if candidate is None:
            return False
        allowed_now = candidate in extra or candidate in same_origins(environ or {})
        if not allowed_now:
            logger.info("socket refused: origin %s is not allowed", origin)
        return allowed_now

    return origin_allowed
