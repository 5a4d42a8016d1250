"""QingCloud's error codes and the tokens that open their messages (qingcloud-wire.md, "Errors").

Spelled as the real service spells them, misspellings included.
"""

from __future__ import annotations

INVALID_REQUEST_FORMAT = 1100
INVALID_REQUEST_METHOD = 1101
AUTH_FAILURE = 1200
REQUEST_HAS_EXPIRED = 1300
PERMISSION_DENIED = 1400
RESOURCE_NOT_FOUND = 2100
QUOTA_EXCEEDED = 2500
INTERNAL_ERROR = 5000
SERVER_BUSY = 5100

TOKENS: dict[int, str] = {
    INVALID_REQUEST_FORMAT: "InvailidRequestFormat",
    INVALID_REQUEST_METHOD: "InvailidRequestMethod",
    AUTH_FAILURE: "AuthFailure",
    REQUEST_HAS_EXPIRED: "RequestHasExpired",
    PERMISSION_DENIED: "PermissionDenied",
    RESOURCE_NOT_FOUND: "ResourceNotFound",
    INTERNAL_ERROR: "InternalError",
    SERVER_BUSY: "ServerBusy",
}

# The SDK retries these with back-off; so does the live target.
RETRYABLE = frozenset({INTERNAL_ERROR, SERVER_BUSY})


def error_body(ret_code: int, detail: str) -> dict[str, object]:
    """An error body as QingCloud writes it: ``{"ret_code": N, "message": "Token, detail"}``."""
    token = TOKENS.get(ret_code)
    return {"ret_code": ret_code, "message": f"{token}, {detail}" if token else detail}
