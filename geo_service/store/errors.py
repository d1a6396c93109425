"""Errors of the moderation workflow, mapped to HTTP statuses by the app's GeoServiceError handler."""

from ..errors import GeoServiceError


class NotAuthenticated(GeoServiceError):
    status = 401
    code = "NotAuthenticated"


class Forbidden(GeoServiceError):
    status = 403
    code = "Forbidden"


class Conflict(GeoServiceError):
    status = 409
    code = "Conflict"


class RateLimited(GeoServiceError):
    status = 429
    code = "TooManyRequests"


class SpamRejected(GeoServiceError):
    status = 400
    code = "SpamRejected"
