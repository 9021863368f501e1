"""Fixtures for the market-simulation tests: real data sets that PyPI packages ship, loaded at test time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "slow: a statistical test that runs reduced sizes unless MOCKBROKER_FULL_SIZE=1 "
                                       "(MOCKBROKER_FULL_SIZE=1 .venv/bin/python -m pytest tests/market -m slow -n 0)")


@pytest.fixture(scope="session")
def sp500_frame():
    """The daily S&P 500 (1999-2018, 5,031 bars) that the ``arch`` package ships."""
    from arch.data import sp500

    return sp500.load()


@pytest.fixture(scope="session")
def sp500_csv(tmp_path_factory, sp500_frame) -> Path:
    """The S&P 500 written as a bars CSV (time, open, high, low, close, volume)."""
    frame = sp500_frame.reset_index()[["Date", "Open", "High", "Low", "Close", "Volume"]]
    frame.columns = ["time", "open", "high", "low", "close", "volume"]
    path = tmp_path_factory.mktemp("real") / "sp500.csv"
    frame.to_csv(path, index=False, float_format="%.2f")
    return path


@pytest.fixture(scope="session")
def sp500_returns(sp500_frame) -> tuple[np.ndarray, np.ndarray]:
    """Daily log returns of the S&P 500 (5,030) and each day's volume."""
    return np.diff(np.log(sp500_frame["Close"].to_numpy())), sp500_frame["Volume"].to_numpy()[1:].astype(float)
