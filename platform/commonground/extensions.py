"""Flask extensions, created once, unbound, and bound to the app in ``create_app``.

The database (``db``) has its own module, ``db.py``, with everything else about it."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_wtf import CSRFProtect

migrate = Migrate()
socketio = SocketIO()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
