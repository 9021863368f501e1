"""``KeyedJsonRoute``: FastAPI's route, with a direct path for the common request to a hot endpoint.

FastAPI resolves an endpoint's parameters through its dependency graph on every request; for ``POST /v2/orders``
(the body, the account behind the API keys, the service state: five dependants) that was about a third of the
service's own time per order (py-spy and cProfile under ``bench/http_throughput.py``). This route keeps the
declared endpoint as it is (the OpenAPI document, the security schemes, the body model, every error answer are
FastAPI's), and answers the common request directly, doing what the graph does in the same order:

1. the account from the ``APCA-API-KEY-ID`` / ``APCA-API-SECRET-KEY`` headers (``ServiceState.authenticate``:
   401 ``authentication_failed`` when they are missing or wrong, as ``deps.current_account`` answers);
2. the body as JSON (``json.loads``, as Starlette's ``Request.json``), validated by the body model's own pydantic
   validator;
3. the endpoint, called with the same arguments.

Anything else takes FastAPI's own path, unchanged: another content type, an empty body, JSON that does not parse
or does not validate (so every refusal is FastAPI's exact 4xx), dependency overrides, and a route whose shape is
not exactly "one JSON body model + ``current_account`` / ``get_state``", checked when the route is built. The body
was read once; FastAPI's path reads it again from the request's cache.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import fastapi.routing
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from .deps import current_account, get_state

JSON_TYPES = frozenset({"application/json"})
"""Content types read on the direct path (others go through FastAPI's own media-type parsing)."""


class KeyedJsonRoute(APIRoute):
    """An ``APIRoute`` whose common requests skip FastAPI's per-request dependency resolution (module docstring)."""

    direct: bool = False
    """Whether the direct path is in use (the route has the shape it serves); tests check it."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        standard = super().get_route_handler()
        route = _effective(self)
        plan = _plan(route)
        self.direct = plan is not None
        if plan is None:
            return standard
        endpoint, body_name, body_model, account_name, state_name = plan
        validate = body_model.__pydantic_validator__.validate_python
        overrides = route.dependency_overrides_provider

        async def handler(request: Request) -> Response:
            if overrides is not None and getattr(overrides, "dependency_overrides", None):
                return await standard(request)
            content_type, key_id, secret = _headers(request.scope["headers"])
            if content_type not in JSON_TYPES:
                return await standard(request)
            state = request.app.state.service
            account = state.authenticate(key_id, secret)
            raw = await request.body()
            if not raw:
                return await standard(request)
            try:
                body = validate(json.loads(raw))
            except (ValueError, ValidationError):  # JSONDecodeError is a ValueError: FastAPI answers it
                return await standard(request)
            values = {body_name: body}
            if account_name is not None:
                values[account_name] = account
            if state_name is not None:
                values[state_name] = state
            response = await endpoint(**values)
            if not isinstance(response, Response):
                raise TypeError(f"{endpoint.__name__} must return a Response on KeyedJsonRoute's direct path")
            return response

        return handler


def _headers(raw: list[tuple[bytes, bytes]]) -> tuple[str | None, str | None, str | None]:
    """(content type, API key id, secret key) in one pass over the raw headers: the first of a repeated header,
    decoded as Latin-1, as Starlette's ``Headers.get`` (and so FastAPI's ``APIKeyHeader``) reads it."""
    content_type = key_id = secret = None
    for name, value in raw:
        if name == b"content-type":
            if content_type is None:
                content_type = value.decode("latin-1")
        elif name == b"apca-api-key-id":
            if key_id is None:
                key_id = value.decode("latin-1")
        elif name == b"apca-api-secret-key":
            if secret is None:
                secret = value.decode("latin-1")
    return content_type, key_id, secret


def _effective(route: APIRoute) -> Any:
    """The route as an inclusion sees it (FastAPI builds the handler once per ``include_router``, which may add
    dependencies and overrides); the route itself when FastAPI does not say."""
    var = getattr(fastapi.routing, "_effective_route_context_var", None)
    context = var.get() if var is not None else None
    if context is not None and getattr(context, "original_route", None) is route:
        return context
    return route


def _plan(route: Any) -> tuple | None:
    """(endpoint, body parameter, body model, account parameter, state parameter) when the route is one JSON body
    model plus ``current_account`` and/or ``get_state`` and nothing else; None otherwise."""
    dependant = getattr(route, "dependant", None)
    if dependant is None or getattr(route, "dependencies", None) or getattr(route, "_embed_body_fields", True):
        return None
    call = dependant.call
    if call is None or not _is_async(call):
        return None
    if (dependant.path_params or dependant.query_params or dependant.header_params or dependant.cookie_params
            or dependant.request_param_name or dependant.websocket_param_name
            or dependant.http_connection_param_name or dependant.response_param_name
            or dependant.background_tasks_param_name or dependant.security_scopes_param_name):
        return None
    if len(dependant.body_params) != 1:
        return None
    body = dependant.body_params[0]
    model = body.field_info.annotation
    if not (isinstance(model, type) and issubclass(model, BaseModel)) or body.field_info.metadata:
        return None
    account_name = state_name = None
    for sub in dependant.dependencies:
        if sub.call is current_account and account_name is None and sub.name:
            account_name = sub.name
        elif sub.call is get_state and state_name is None and sub.name:
            state_name = sub.name
        else:
            return None
    return call, body.name, model, account_name, state_name


def _is_async(call: Callable) -> bool:
    import inspect

    return inspect.iscoroutinefunction(call)
