"""Turning failures of the Docker layer into one line a user can act on.

Every exception that reaches the UI passes through :func:`describe_error`, so
the wording for "daemon gone", "no such container" and friends lives here once.
"""

from __future__ import annotations

import errno
import socket


class DaemonUnavailable(Exception):
    """The daemon could not be reached; the message names the host and why."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


class InvalidInput(ValueError):
    """Something the user typed cannot be sent to the daemon as it is."""


def _api_error_text(exc: BaseException) -> str | None:
    explanation = getattr(exc, "explanation", None)
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if explanation:
        text = explanation.decode("utf-8", "replace") if isinstance(explanation, bytes) else str(explanation)
        return f"{text} (HTTP {status})" if status else text
    return None


def _os_error_reason(exc: BaseException) -> str | None:
    """Walk an exception chain looking for the socket-level cause."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, FileNotFoundError):
            return "socket not found (is the daemon running?)"
        if isinstance(current, PermissionError):
            return "permission denied on the socket (add yourself to the docker group or use sudo)"
        if isinstance(current, ConnectionRefusedError):
            return "connection refused (daemon not running or not listening)"
        if isinstance(current, socket.timeout | TimeoutError):
            return "timed out waiting for the daemon"
        if isinstance(current, OSError) and current.errno in (errno.ENOENT, errno.ECONNREFUSED, errno.EACCES):
            return {
                errno.ENOENT: "socket not found (is the daemon running?)",
                errno.ECONNREFUSED: "connection refused (daemon not running or not listening)",
                errno.EACCES: "permission denied on the socket",
            }[current.errno]
        name = type(current).__name__
        if "SSLError" in name or "CertificateError" in name:
            return f"TLS error: {current}"
        nxt = current.__cause__ or current.__context__
        if nxt is None and current.args and isinstance(current.args[0], BaseException):
            nxt = current.args[0]
        if nxt is None and current.args:
            # requests/urllib3 wrap the real error in their args as text
            reason = getattr(current.args[0], "reason", None)
            if isinstance(reason, BaseException):
                nxt = reason
        current = nxt
    return None


def describe_error(exc: BaseException) -> str:
    """One line for the UI: the daemon's own words where it gave some."""
    if isinstance(exc, DaemonUnavailable | InvalidInput):
        return str(exc)
    api_text = _api_error_text(exc)
    if api_text:
        return api_text
    reason = _os_error_reason(exc)
    if reason:
        return reason
    text = str(exc).strip() or type(exc).__name__
    if "client version" in text and "too old" in text:
        return f"API version mismatch: {text}"
    return text


def is_not_found(exc: BaseException) -> bool:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None) == 404


def is_connection_problem(exc: BaseException) -> bool:
    """True when the daemon itself is unreachable (not when it said no)."""
    if isinstance(exc, DaemonUnavailable):
        return True
    if getattr(exc, "response", None) is not None:
        return False
    return _os_error_reason(exc) is not None or type(exc).__name__ in {
        "ConnectionError",
        "ProtocolError",
        "ReadTimeout",
        "ConnectTimeout",
    }
