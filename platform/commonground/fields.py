"""Checks of submitted values, shared by forms, the API and socket events.

Each raises ``Invalid`` naming the field, so every channel reports the same error.

Every whole number from outside — an id, a count, a cursor; in a path, a query, a form, a
JSON body or a socket event — is checked here against the range of the database's integer
columns, so none reaches a query the database would refuse with an error: a number in a URL
path that no id can be is a 404 (``RowIdConverter``, every ``<int:…>`` of every route), any
other one a 422 naming its field (``integer``), over a socket an ``ok: false`` ack.
"""

import re
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from .errors import Invalid

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: The range of the database's integer columns (INTEGER: 32 bits on PostgreSQL), ids included.
MAX_INTEGER = 2**31 - 1
MIN_INTEGER = -(2**31)
#: The largest id a row can have.
MAX_ID = MAX_INTEGER
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def text(value, field: str, *, max_length: int, required: bool = True) -> str:
    """A string, stripped, within ``max_length`` characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(_l("This must be text."), field=field)
    value = value.strip()
    if required and not value:
        raise Invalid(_l("This is required."), field=field)
    if len(value) > max_length:
        raise Invalid(
            _l("This is too long (at most %(count)s characters).", count=max_length),
            field=field,
        )
    return value


def integer(value, field: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer (a JSON number or a form's digits) within the given bounds, and always
    within the range of the database's integer columns."""
    minimum = MIN_INTEGER if minimum is None else max(minimum, MIN_INTEGER)
    maximum = MAX_INTEGER if maximum is None else min(maximum, MAX_INTEGER)
    if isinstance(value, bool):
        raise Invalid(_l("This must be a whole number."), field=field)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        value = int(value)
    if not isinstance(value, int):
        raise Invalid(_l("This must be a whole number."), field=field)
    if value < minimum:
        raise Invalid(_l("This must be at least %(min)s.", min=minimum), field=field)
    if value > maximum:
        raise Invalid(_l("This must be at most %(max)s.", max=maximum), field=field)
    return value


def choice(value, field: str, allowed: Iterable[str]) -> str:
    """One of ``allowed``."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise Invalid(
            _l("This must be one of: %(choices)s.", choices=", ".join(allowed)), field=field
        )
    return value


def boolean(value, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("on", "true", "1", "yes"):
        return True
    if value in (None, "", "off", "false", "0", "no"):
        return False
    raise Invalid(_l("This must be true or false."), field=field)


def slug(value, field: str = "slug") -> str:
    value = text(value, field, max_length=64)
    if not SLUG_RE.match(value):
        raise Invalid(
            _l("Use lower-case letters, digits and hyphens (for example ai-2026)."), field=field
        )
    return value


def key(value, field: str = "key") -> str:
    value = text(value, field, max_length=64)
    if not KEY_RE.match(value):
        raise Invalid(_l("Use lower-case letters, digits, hyphens and underscores."), field=field)
    return value


def email(value, field: str = "email") -> str:
    value = text(value, field, max_length=254).lower()
    if not EMAIL_RE.match(value):
        raise Invalid(_l("This is not an email address."), field=field)
    return value


def language(value, field: str = "language") -> str:
    value = text(value, field, max_length=16)
    if not LANGUAGE_RE.match(value):
        raise Invalid(_l("This is not a language code (for example en or fr)."), field=field)
    return value


#: Most ids one request may name (``ids``): a live page fetches more in several requests.
MAX_IDS = 100


def ids(value, field: str = "ids", *, maximum: int = MAX_IDS) -> list[int]:
    """Comma-separated ids (``1,2,3``): at least one, at most ``maximum`` different ones,
    each a whole number from 1; repeats count once, the order is kept."""
    parts = text(value, field, max_length=maximum * 12).split(",")
    found = list(dict.fromkeys(integer(part, field, minimum=1, maximum=MAX_ID) for part in parts))
    if len(found) > maximum:
        raise Invalid(_l("This must be at most %(max)s.", max=maximum), field=field)
    return found


def is_row_id(value) -> bool:
    """Whether ``value`` can be a row's id at all: look up only these (a number past the
    column's range makes PostgreSQL answer with an error, not with nothing)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


class RowIdConverter(IntegerConverter):
    """``<int:…>`` of every route: a number no row's id can be is a 404 at once (raised while
    matching, so no other rule of the same path answers 405 instead)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise NotFound()
        return number
