"""Helpers for the market-simulation tests (imported by name: tests/market has no __init__.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mockbroker.config import MarketConfig
from mockbroker.market.models import TRADING_SECONDS_PER_DAY, create_model

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "market-data"
MINUTE = 60 / TRADING_SECONDS_PER_DAY  # one minute in trading days


def make_model(model: str = "random_walk", seed: int = 1, price: float = 50.0, **settings):
    params = settings.pop("params", {})
    return create_model(MarketConfig(model=model, params=params, **settings), price, np.random.default_rng(seed))


def autocorr(x: np.ndarray, lag: int) -> float:
    x = x - x.mean()
    return float(np.dot(x[:-lag], x[lag:]) / np.dot(x, x))


def excess_kurtosis(x: np.ndarray) -> float:
    x = x - x.mean()
    return float(np.mean(x ** 4) / np.mean(x ** 2) ** 2 - 3.0)


FULL_SIZE = __import__("os").environ.get("MOCKBROKER_FULL_SIZE") == "1"
"""The statistical battery runs reduced sizes by default (CI); ``MOCKBROKER_FULL_SIZE=1`` runs the full sizes:
``MOCKBROKER_FULL_SIZE=1 .venv/bin/python -m pytest tests/market -m slow -n 0``."""


def size(ci: int, full: int) -> int:
    return full if FULL_SIZE else ci
