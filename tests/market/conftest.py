"""Fixtures for the market-simulation tests: real data sets that PyPI packages ship, loaded at test time."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sp500_csv(tmp_path_factory) -> Path:
    """The daily S&P 500 (1999-2018, 5,031 bars) that the ``arch`` package ships, written as a bars CSV."""
    from arch.data import sp500

    frame = sp500.load().reset_index()
    frame = frame[["Date", "Open", "High", "Low", "Close", "Volume"]]
    frame.columns = ["time", "open", "high", "low", "close", "volume"]
    path = tmp_path_factory.mktemp("real") / "sp500.csv"
    frame.to_csv(path, index=False, float_format="%.2f")
    return path
