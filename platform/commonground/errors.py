"""The one error type of the services, mapped once to HTTP, socket acks and forms."""

from flask_babel import lazy_gettext as _l


class ServiceError(Exception):
    """A refusal a user can act on.

    ``code`` is stable and machine-readable (``forbidden``, ``not_found``, ``invalid`` …);
    ``message`` is translatable; ``field`` names the offending input when there is one.
    """

    status = 400
    code = "bad_request"

    def __init__(self, message=None, *, field: str | None = None, code: str | None = None):
        super().__init__(str(message) if message is not None else self.code)
        self.message = message if message is not None else self.default_message
        self.field = field
        if code is not None:
            self.code = code

    default_message = _l("The request could not be understood.")

    def to_dict(self) -> dict:
        """The ``{"code", "message", "field"?}`` body used by the API and socket acks."""
        error = {"code": self.code, "message": str(self.message)}
        if self.field:
            error["field"] = self.field
        return error


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"
    default_message = _l("You need to sign in to do this.")


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
    default_message = _l("You are not allowed to do this.")


class NotFound(ServiceError):
    status = 404
    code = "not_found"
    default_message = _l("Nothing was found here.")


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    default_message = _l("This conflicts with the current state.")


class Invalid(ServiceError):
    status = 422
    code = "invalid"
    default_message = _l("Some input is not valid.")


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"
    default_message = _l("You are doing this too often. Please wait a moment.")
