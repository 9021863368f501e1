"""Rate-limit headers on every answer, as Alpaca sends them: ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``,
``X-RateLimit-Reset`` (the Unix second, on the virtual clock, when the quota is whole again).

The mock enforces a limit only when a ``rate_limit`` fault rule asks for one (``mockbroker.faults``): then the
headers show that rule's token bucket for the calling account (the tightest rule when there are several).
Without one they show Alpaca's nominal quota, 200 requests a minute, untouched: nothing is counted against it.
A refused request (429) carries ``Retry-After`` in whole seconds, rounded up and never 0
(``mockbroker.service.errors``).
"""

from __future__ import annotations

import math

NOMINAL_LIMIT = 200
NOMINAL_PERIOD_SECONDS = 60
NS = 1_000_000_000


def quota(service, key_id: str | None) -> tuple[int, int, int]:
    """(limit, remaining, reset unix seconds) for the account holding ``key_id``."""
    broker = service.broker
    now = broker.now_ns()
    entry = service.keys.get(key_id) if key_id else None
    faults = getattr(broker, "faults", None)
    best = None
    if entry is not None and faults is not None:
        account = entry[1]
        for rule in getattr(faults, "rate_limits", ()):
            rate = rule.limit / rule.period_seconds
            tokens, last = rule.buckets.get(account, (float(rule.limit), now))
            tokens = min(float(rule.limit), tokens + (now - last) / NS * rate)
            reset = now + int((rule.limit - tokens) / rate * NS)
            candidate = (int(tokens), rule.limit, reset)
            if best is None or candidate[0] < best[0]:
                best = candidate
    if best is None:
        return NOMINAL_LIMIT, NOMINAL_LIMIT, math.ceil(now / NS) + NOMINAL_PERIOD_SECONDS
    remaining, limit, reset = best
    return limit, remaining, math.ceil(reset / NS)


class RateLimitHeadersMiddleware:
    """Pure ASGI: adds the three headers to every HTTP answer (after the endpoint ran, so they count its call)."""

    def __init__(self, app, service) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key_id = None
        for name, value in scope.get("headers") or ():
            if name == b"apca-api-key-id":
                key_id = value.decode("latin-1")
                break

        async def with_headers(message):
            if message["type"] == "http.response.start":
                try:
                    with self.service.lock:
                        limit, remaining, reset = quota(self.service, key_id)
                except Exception:  # noqa: BLE001 - headers are a courtesy: never fail an answer over them
                    limit, remaining, reset = NOMINAL_LIMIT, NOMINAL_LIMIT, 0
                message = {**message, "headers": [*(message.get("headers") or ()),
                                                  (b"x-ratelimit-limit", str(limit).encode()),
                                                  (b"x-ratelimit-remaining", str(remaining).encode()),
                                                  (b"x-ratelimit-reset", str(reset).encode())]}
            await send(message)

        await self.app(scope, receive, with_headers)
