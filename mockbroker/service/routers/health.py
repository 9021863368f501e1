"""Health and Prometheus metrics (no auth: for probes and scrapers)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from .. import serializers as ser

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: str
    now: str
    now_ns: int
    engine: str


@router.get("/health", response_model=HealthOut)
async def health(request: Request):
    state = request.app.state.service
    with state.lock:
        now = state.broker.now_ns()
    return JSONResponse({"status": "ok", "now": ser.iso(now), "now_ns": now, "engine": type(state.broker).__name__})


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request):
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
