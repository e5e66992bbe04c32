"""Turning failures of the Docker layer into one line a user can act on.

Every exception that reaches the UI passes through :func:`describe_error`, so
the wording for "daemon gone", "no such container" and friends lives here once.
"""

from __future__ import annotations

import errno
import re
import socket


#: requests' and urllib3's timeouts, which need not derive from TimeoutError.
_TIMEOUT_NAMES = frozenset({"ReadTimeout", "ConnectTimeout", "Timeout", "ReadTimeoutError", "ConnectTimeoutError"})


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


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps: causes, contexts, and the exceptions
    that requests and urllib3 keep in their args (or an arg's ``reason``)."""
    found: list[BaseException] = []
    pending = [exc]
    while pending:
        current = pending.pop(0)
        if any(current is seen for seen in found):
            continue
        found.append(current)
        for nxt in (current.__cause__, current.__context__, *current.args, getattr(current, "reason", None)):
            if isinstance(nxt, BaseException):
                pending.append(nxt)
            else:
                reason = getattr(nxt, "reason", None)
                if isinstance(reason, BaseException):
                    pending.append(reason)
    return found


_TIMEOUT_RE = re.compile(r"(read|connect) timeout=([\d.]+)")


def _timeout_reason(chain: list[BaseException]) -> str:
    for current in chain:
        match = _TIMEOUT_RE.search(str(current))
        if match:
            seconds = float(match.group(2))
            shown = f"{seconds:g}"
            if match.group(1) == "connect":
                return f"could not connect within {shown} s"
            return f"the daemon did not answer within {shown} s (it may be hung or overloaded)"
    return "timed out waiting for the daemon (it may be hung or overloaded)"


_ERRNO_REASONS = {
    errno.ENOENT: "socket not found (is the daemon running?)",
    errno.ECONNREFUSED: "connection refused (daemon not running or not listening)",
    errno.EACCES: "permission denied on the socket",
    errno.ECONNRESET: "the daemon closed the connection",
    errno.EPIPE: "the daemon closed the connection",
}


def _os_error_reason(exc: BaseException) -> str | None:
    """The socket-level cause anywhere in an exception chain, in words."""
    chain = _chain(exc)
    for current in chain:
        if isinstance(current, FileNotFoundError):
            return "socket not found (is the daemon running?)"
        if isinstance(current, PermissionError):
            return "permission denied on the socket (add yourself to the docker group or use sudo)"
        if isinstance(current, ConnectionRefusedError):
            return "connection refused (daemon not running or not listening)"
        if isinstance(current, socket.timeout | TimeoutError) or type(current).__name__ in _TIMEOUT_NAMES:
            return _timeout_reason(chain)
        if isinstance(current, ConnectionResetError | BrokenPipeError):
            return "the daemon closed the connection"
        if isinstance(current, OSError) and current.errno in _ERRNO_REASONS:
            return _ERRNO_REASONS[current.errno]
        name = type(current).__name__
        if "SSLError" in name or "CertificateError" in name:
            return f"TLS error: {current}"
    # a stream cut off with nothing below it (urllib3's "Response ended
    # prematurely", http.client's IncompleteRead)
    if any(type(current).__name__ in ("ProtocolError", "IncompleteRead") for current in chain):
        return "the daemon closed the connection"
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


def describe_cause(exc: BaseException) -> str:
    """Like :func:`describe_error`, but for a daemon that could not be reached
    only the why, not the host: for places where the host is on screen already."""
    reason = getattr(exc, "reason", None) if isinstance(exc, DaemonUnavailable) else None
    return reason or describe_error(exc)


def is_not_found(exc: BaseException) -> bool:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None) == 404


_TIMEOUT_TYPES = frozenset({"ReadTimeout", "ReadTimeoutError", "ConnectTimeout", "ConnectTimeoutError", "Timeout", "TimeoutError"})


def is_timeout(exc: BaseException) -> bool:
    """The daemon (or the way to it) did not answer in time: it may be hung
    or overloaded, not necessarily gone."""
    return any(isinstance(e, TimeoutError) or type(e).__name__ in _TIMEOUT_TYPES for e in _chain(exc))


def is_connection_problem(exc: BaseException) -> bool:
    """True when the daemon itself is unreachable (not when it said no)."""
    if isinstance(exc, DaemonUnavailable):
        return True
    if getattr(exc, "response", None) is not None:
        return False
    return _os_error_reason(exc) is not None or type(exc).__name__ in {"ConnectionError", *_TIMEOUT_NAMES}
