"""The bare python-socketio server the socket benchmarks measure Common Ground against.

The same stack (gunicorn's gevent worker, python-socketio, python-engineio,
simple-websocket) with none of the application: no authentication, no database, no rights,
no rate limits, no presence. It answers the events the benchmarks send the way the real
server does in shape: ``join {item}`` puts the socket in room ``item:<id>`` and acks;
``post {...}`` sends ``post:new`` (the post as sent, with an id) to the room and acks with
the same post; ``ballot {motion, choice}`` keeps the socket's choice and acks with it. So
the difference between the two is what the application costs. Served as Common Ground is::

    gunicorn -c gunicorn.conf.py benchmarks.bare_socketio:app
"""

import itertools

import socketio

server = socketio.Server(async_mode="gevent", cors_allowed_origins="*")
app = socketio.WSGIApp(server)
_ids = itertools.count(1)
_ballots: dict[tuple[int, str], str] = {}


@server.on("join")
def join(sid, data):
    server.enter_room(sid, f"item:{data['item']}")
    return {"ok": True, "posts": []}


@server.on("post")
def post(sid, data):
    body = {**data, "id": next(_ids)}
    server.emit("post:new", body, to=f"item:{data['item']}")
    return {"ok": True, "post": body}


@server.on("ballot")
def ballot(sid, data):
    _ballots[(data["motion"], sid)] = data["choice"]
    return {"ok": True, "ballot": {"motion": data["motion"], "choice": data["choice"]}}
