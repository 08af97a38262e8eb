"""Where the current application keeps its realtime stores (rate windows, presence)."""

from flask import current_app

EXTENSION_KEY = "commonground.realtime"


def state():
    """The current application's realtime stores (``realtime.RealtimeState``)."""
    return current_app.extensions[EXTENSION_KEY]
