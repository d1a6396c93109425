"""Typed errors of the core, each with the HTTP status the web layer maps it to."""

from __future__ import annotations


class GeoServiceError(Exception):
    """Base class: ``status`` is the HTTP status a web handler should answer with."""

    status = 500
    code = "ServerError"

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class DataSourceError(GeoServiceError):
    """An input file is missing, cannot be downloaded, or fails its checksum."""

    status = 503
    code = "DataSourceUnavailable"


class InvalidParameter(GeoServiceError):
    status = 400
    code = "InvalidParameterValue"


class NotFound(GeoServiceError):
    status = 404
    code = "NotFound"


class ValidationFailed(GeoServiceError):
    """Input data (an import, a form) does not validate; ``details['errors']`` lists why."""

    status = 422
    code = "ValidationFailed"


class PayloadTooLarge(GeoServiceError):
    status = 413
    code = "PayloadTooLarge"


class AmbiguousName(GeoServiceError):
    """A place name matches several communes; ``details['candidates']`` lists them."""

    status = 400
    code = "AmbiguousName"


class TooManyRequests(GeoServiceError):
    """A client asks for more costly work than its budget; ``details['retry_after']`` in seconds."""

    status = 429
    code = "TooManyRequests"


class Busy(GeoServiceError):
    """The process is at its bound of concurrent costly work; ``details['retry_after']`` in seconds."""

    status = 503
    code = "ServiceBusy"
