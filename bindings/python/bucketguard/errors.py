"""The exceptions a bucketguard call raises, one class per kind of failure a
caller handles differently, and the redaction that keeps keys, tokens and
signed URLs out of every message."""

import re

from . import _lib

# Tokens that must never appear in a message: JWTs, the new-style keys,
# bearer credentials and signed-URL tokens. The client also removes the
# exact keys it was given (see redact).
_SECRET_PATTERNS = re.compile(
    r"eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-.]*"
    r"|sb_(?:secret|publishable)_[A-Za-z0-9_\-]+"
    r"|(?<=[Bb]earer )\S+"
    r"|(?<=token=)[^&\s\"']+")

REDACTED = "[redacted]"


def redact(text, secrets=()):
    """text with every known secret and every token-looking word replaced
    by [redacted]."""
    if not text:
        return text
    for secret in secrets:
        if secret and len(secret) >= 8:
            text = text.replace(secret, REDACTED)
    return _SECRET_PATTERNS.sub(REDACTED, text)


class StorageError(Exception):
    """A bucketguard call failed. Attributes (None or "" when unknown):

    operation    the method that failed ("get", "exists", ...)
    bucket, key  what it was about
    result       the library's bg_result as a name ("not_found", "auth",
                 "exhausted", "deadline", ...), result_code as a number
    http_status  HTTP status of the last answer (0: no answer arrived)
    body_status  statusCode of the error body (0: none)
    code         the body's code (NoSuchKey, InvalidJWT, ...) or the
                 transport error class
    route        route of the last attempt
    attempts     attempts over all rounds; rounds: rounds begun
    colo, cf_ray edge location and cf-ray of the last answer
    detail       the library's one-line detail

    No attribute and no message ever holds a key, a token or a signed URL.
    """

    def __init__(self, message, operation="", bucket="", key="",
                 result_code=_lib.E_INTERNAL, http_status=0, body_status=0,
                 code="", route="", attempts=0, rounds=0, colo="",
                 cf_ray="", detail=""):
        super().__init__(message)
        self.operation = operation
        self.bucket = bucket
        self.key = key
        self.result_code = result_code
        self.result = result_name(result_code)
        self.http_status = http_status
        self.body_status = body_status
        self.code = code
        self.route = route
        self.attempts = attempts
        self.rounds = rounds
        self.colo = colo
        self.cf_ray = cf_ray
        self.detail = detail


class NotFoundError(StorageError):
    """The object or bucket does not exist (a definitive answer)."""


class AuthError(StorageError):
    """The key was rejected or access was denied: wrong, expired or
    mistyped key, or the anon key where the service key belongs."""


class ConflictError(StorageError):
    """The object already exists (upload without upsert), or the bucket is
    not empty."""


class RejectedError(StorageError):
    """The server refused the request as invalid (bad key name, range)."""


class ExhaustedError(StorageError):
    """Every route failed in every round, the deadline passed or the retry
    budget is spent: result tells which ("exhausted", "deadline",
    "budget")."""


class ConfigError(StorageError, ValueError):
    """The configuration is invalid or incomplete."""


class UsageError(StorageError, ValueError):
    """An argument is invalid, or the client is closed."""


_CLASSES = {
    _lib.E_USAGE: UsageError,
    _lib.E_CONFIG: ConfigError,
    _lib.E_NOT_FOUND: NotFoundError,
    _lib.E_AUTH: AuthError,
    _lib.E_CONFLICT: ConflictError,
    _lib.E_REJECTED: RejectedError,
    _lib.E_EXHAUSTED: ExhaustedError,
    _lib.E_DEADLINE: ExhaustedError,
    _lib.E_BUDGET: ExhaustedError,
}


def result_name(code):
    """The short name of a bg_result value ("not_found", ...)."""
    if 0 <= code < len(_lib.RESULT_NAMES):
        return _lib.RESULT_NAMES[code]
    return "unknown"


def error_class(code):
    """The exception class for a bg_result value."""
    return _CLASSES.get(code, StorageError)
