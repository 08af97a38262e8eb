"""The bare python-socketio server the fan-out benchmark measures Common Ground against.

What a live room needs and nothing else: ``join {item}`` puts the socket in room
``item:<id>`` and acks; ``post {...}`` sends ``post:new`` (the post, with an id) to the
room and acks with the same post. No authentication, no database, no presence. Served as
Common Ground is, by gunicorn's gevent worker with the repository's ``gunicorn.conf.py``::

    gunicorn -c gunicorn.conf.py benchmarks.bare_socketio:app
"""

import itertools

import socketio

server = socketio.Server(async_mode="gevent", cors_allowed_origins="*")
app = socketio.WSGIApp(server)
_ids = itertools.count(1)


@server.on("join")
def join(sid, data):
    server.enter_room(sid, f"item:{data['item']}")
    return {"ok": True}


@server.on("post")
def post(sid, data):
    body = {**data, "id": next(_ids)}
    server.emit("post:new", body, to=f"item:{data['item']}")
    return {"ok": True, "post": body}
