"""The broker as a service: Alpaca-v2-shaped REST API, control API under /mock, health, metrics.

``create_app(broker=None, admin_key=None, config=None, clock="virtual")`` builds the FastAPI app;
``python -m mockbroker serve`` runs it under uvicorn; ``mockbroker.harness.ServiceProcess`` runs it as a subprocess for tests.
"""

from .app import create_app

__all__ = ["create_app"]
