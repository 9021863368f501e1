"""What the service will spend on a request or a connection, and who may make it spend anything.

``Limits`` are the caps (``serve --max-body-bytes``, ``--ws-auth-timeout``, ``--max-ws-per-client``, ``--max-ws``);
``RequestGuard`` (pure ASGI, outside the routes) enforces the body rules before a single body byte is read:

- a ``Content-Length`` above the cap is answered 413 ``payload_too_large`` at once; a body without one (chunked)
  is counted as it arrives and refused with 413 the moment it passes the cap, so the service never holds more
  than the cap of any request;
- a request that carries a body must bring valid credentials first: API keys under ``/v2/``, the admin key under
  ``/mock/`` when the service has one. Wrong or missing ones are answered 401 without reading the body (requests
  without a body are authenticated by the routes, as before);
- the body must be UTF-8 JSON (RFC 8259: no byte order mark): anything else is a 400, as malformed JSON is, never
  guessed at (Python's ``json`` would otherwise accept UTF-16 and UTF-32).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from ..errors import AuthenticationFailed
from .errors import broker_error_response, error_response

MEGABYTE = 1024 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


@dataclass(frozen=True)
class Limits:
    """Caps on what one client can make the service hold (all configurable on ``serve``)."""

    max_body_bytes: int = MEGABYTE
    """Largest request body accepted (the biggest real body, a configure with many accounts, is a few kB)."""
    ws_auth_timeout: float = 10.0
    """Seconds a WebSocket may stay open without authenticating (Alpaca closes such connections too)."""
    ws_per_client: int = 256
    """Open WebSocket connections one client address may hold, authenticated or not."""
    ws_total: int = 1024
    """Open WebSocket connections in total."""
    ws_max_frame: int = 64 * 1024
    """Largest WebSocket message a client may send (control messages are a few hundred bytes)."""

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "ws_per_client", "ws_total", "ws_max_frame"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)!r}: must be a whole number above 0")
        if not self.ws_auth_timeout > 0:
            raise ValueError(f"ws_auth_timeout={self.ws_auth_timeout!r}: must be a number of seconds above 0")


class RequestGuard:
    def __init__(self, app, service, limits: Limits) -> None:
        self.app = app
        self.service = service
        self.limit = limits.max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        chunked = b"chunked" in headers.get(b"transfer-encoding", b"").lower()
        if length is not None:
            if not length.isdigit():
                await error_response(400, "Content-Length is not a number", "invalid_argument")(scope, receive, send)
                return
            if int(length) > self.limit:
                await error_response(413, f"the request body is {int(length):,} bytes; the service accepts at most "
                                          f"{self.limit:,} (serve --max-body-bytes)", "payload_too_large")(
                    scope, receive, send)
                return
        if length not in (None, b"0") or chunked:
            refusal = self._credentials(scope["path"], headers)
            if refusal is not None:
                await broker_error_response(refusal)(scope, receive, send)
                return
            body, too_large = await self._read(receive)
            if too_large:
                await error_response(413, f"the request body is larger than {self.limit:,} bytes (the service's "
                                          f"cap: serve --max-body-bytes)", "payload_too_large")(scope, receive, send)
                return
            if body is not None:
                problem = _not_utf8_json(body, headers.get(b"content-type", b""))
                if problem is not None:
                    await error_response(400, problem, "invalid_argument")(scope, receive, send)
                    return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)

    def _credentials(self, path: str, headers: dict) -> AuthenticationFailed | None:
        state = self.service
        try:
            if path.startswith("/v2/"):
                key_id, secret = headers.get(b"apca-api-key-id"), headers.get(b"apca-api-secret-key")
                with state.lock:
                    state.authenticate(key_id.decode("latin-1") if key_id else None,
                                       secret.decode("latin-1") if secret else None)
            elif path.startswith("/mock/") and state.admin_key is not None:
                given = headers.get(b"x-mock-admin-key")
                if given is None or given.decode("latin-1") != state.admin_key:
                    raise AuthenticationFailed("control requests need the X-Mock-Admin-Key header")
        except AuthenticationFailed as refused:
            return refused
        return None

    async def _read(self, receive) -> tuple[bytes | None, bool]:
        """``(body, too_large)``: the whole body, read only up to the cap (a body without ``Content-Length`` is
        refused the moment it passes it); the body is None when the client went away."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None, False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                return None, True
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), False


def _replay(body: bytes | None, receive):
    """A ``receive`` that hands the app the body already read (then whatever the client sends next)."""
    if body is None:
        return receive
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _not_utf8_json(body: bytes, content_type: bytes) -> str | None:
    """Why the body is not UTF-8 JSON, or None. Bodies the routes read as JSON: a JSON content type, or none."""
    if not body or (content_type and b"json" not in content_type.lower()) or body.isascii():
        return None  # ASCII is UTF-8, and no byte order mark is ASCII
    if body.startswith(_BOMS):
        return "malformed JSON: the body starts with a byte order mark; send UTF-8 JSON without one (RFC 8259)"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as problem:
        return f"malformed JSON: the body is not UTF-8 (byte {problem.start}); send UTF-8 JSON (RFC 8259)"
    return None
