"""Entry point: ``app`` for ``flask --app app`` and WSGI servers; ``python app.py`` serves."""

from commonground import create_app
from commonground.extensions import socketio

app = create_app()

if __name__ == "__main__":
    socketio.run(
        app,
        host=app.config["HOST"],
        port=app.config["PORT"],
        allow_unsafe_werkzeug=True,
    )
