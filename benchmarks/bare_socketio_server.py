"""The bare python-socketio server the socket benchmarks compare Common Ground with.

The same stack (``gunicorn -k gevent -w 1``, python-socketio, python-engineio,
simple-websocket) with none of the application: no database, no authentication, no rights,
no rate limits. It answers the events the benchmarks send the way the real server does in
shape — ``join {item}`` enters the room ``item:<id>``; ``post {item, body}`` sends
``post:new`` to the room and acks with the post; ``ballot {motion, choice}`` acks with the
ballot — so the difference between the two is what the application costs.

    gunicorn -k gevent -w 1 --worker-connections 4000 -b 127.0.0.1:PORT \
        benchmarks.bare_socketio_server:app
"""

import itertools

import socketio

sio = socketio.Server(async_mode="gevent", cors_allowed_origins=[])
app = socketio.WSGIApp(sio)
_ids = itertools.count(1)
_ballots: dict[tuple[int, str], str] = {}


@sio.event
def join(sid, data):
    """Enter the item's room."""
    sio.enter_room(sid, f"item:{data['item']}")
    return {"ok": True, "posts": []}


@sio.event
def post(sid, data):
    """Send the post to the room; the ack carries it too."""
    body = {
        "id": next(_ids),
        "item": data["item"],
        "parent": data.get("parent"),
        "body": data["body"],
        "html": f"<p>{data['body']}</p>",
        "language": data.get("language", "en"),
    }
    sio.emit("post:new", body, to=f"item:{data['item']}")
    return {"ok": True, "post": body}


@sio.event
def ballot(sid, data):
    """Keep the socket's latest choice on the motion."""
    _ballots[(data["motion"], sid)] = data["choice"]
    return {"ok": True, "ballot": {"motion": data["motion"], "choice": data["choice"]}}
