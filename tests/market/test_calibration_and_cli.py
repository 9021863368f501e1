"""Calibration to real history and the ``simulate``/``calibrate`` commands; reproducibility of generated data."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from mockbroker.cli import main
from mockbroker.config import BrokerConfig, MarketConfig
from mockbroker.market.calibration import calibrate, calibrate_file
from mockbroker.market.generator import generate
from mockbroker.scenarios import load_scenario_file

from market_helpers import FIXTURES, excess_kurtosis

ROOT = Path(__file__).resolve().parents[2]


def _tail_quantile(r: np.ndarray) -> float:
    """Tail heaviness: the 99th percentile of |r - mean| in standard deviations (2.58 for a normal)."""
    return float(np.quantile(np.abs(r - r.mean()) / r.std(), 0.99))


def test_a_calibrated_scenario_reproduces_the_sources_daily_volatility_and_tails(sp500_csv, tmp_path):
    """Calibrate to the S&P 500 (5,030 daily returns, sd 1.20%, excess kurtosis 8.2, 99th-percentile tail 3.50
    sd), simulate 3,000 days from the written file (390 updates a day), and compare daily returns:
    volatility within 20% (the GARCH sample sd over 3,000 days has ~7% standard error at persistence 0.99),
    the 99th-percentile tail within 10% (normal: 2.58, i.e. -26%), excess kurtosis above 2 (heavy-tailed)."""
    out = calibrate_file(sp500_csv, tmp_path / "sp500.yaml")
    spec = load_scenario_file(tmp_path / "sp500.yaml")
    assert spec.config.market.model == "garch" and out["marketConfig"]["params"]["period_seconds"] == 23_400
    source = np.diff(np.log(np.loadtxt(sp500_csv, delimiter=",", skiprows=1, usecols=4)))
    config = replace(spec.config, seed=3)
    days = 3000
    ticks = generate(config, 390 * days)
    closes = np.concatenate([[float(config.symbols[0].price)], ticks.mid[389::390]])
    simulated = np.diff(np.log(closes))
    assert abs(simulated.std() / source.std() - 1) < 0.20, (simulated.std(), source.std())
    assert abs(_tail_quantile(simulated) / _tail_quantile(source) - 1) < 0.10
    assert excess_kurtosis(simulated) > 2


def test_calibration_recovers_the_intraday_volume_profile_and_spread():
    """The fixture's one-minute bars come from the mock (U-shaped volume, 4 bps spread is not visible in bars):
    the fitted profile is U-shaped (open and close half hours above 1.3, midday below 0.8)."""
    document = calibrate(FIXTURES / "ACME-1min.csv")
    profile = document["marketConfig"]["params"]["volume_profile"]
    assert len(profile) == 13 and profile[0] > 1.3 and profile[-1] > 1.3 and profile[6] < 0.8
    assert document["marketConfig"]["params"]["period_seconds"] == 60


def test_simulate_writes_time_bid_ask_last_volume_and_is_reproducible(tmp_path):
    args = ["simulate", "--model", "garch", "--symbol", "ACME", "--steps", "5000", "--seed", "7"]
    assert main(args + ["--out", str(tmp_path / "a.csv")]) == 0
    assert main(args + ["--out", str(tmp_path / "b.csv")]) == 0
    other = [a if a != "7" else "8" for a in args]
    assert main(other + ["--out", str(tmp_path / "c.csv")]) == 0
    a, b, c = ((tmp_path / f"{x}.csv").read_bytes() for x in "abc")
    assert a == b and a != c
    lines = a.decode().splitlines()
    assert lines[0] == "time,bid,ask,last,volume" and len(lines) == 5001
    assert lines[1].startswith("2026-01-05T14:30:00.100Z,")


def test_simulate_scenario_config_history_and_plot(tmp_path, sp500_csv):
    assert main(["simulate", "--scenario", "flash_crash", "--steps", "3000", "--out", str(tmp_path / "f.csv"),
                 "--plot", str(tmp_path / "f.png")]) == 0
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["simulate", "--from-csv", str(sp500_csv), "--steps", "80", "--param", "ticks_per_bar=8",
                 "--out", str(tmp_path / "h.csv")]) == 0
    rows = [line.split(",") for line in (tmp_path / "h.csv").read_text().splitlines()[1:]]
    mids = [(float(r[1]) + float(r[2])) / 2 for r in rows]
    closes = np.loadtxt(sp500_csv, delimiter=",", skiprows=1, usecols=4)[:10]
    assert np.allclose(mids[7::8], closes, atol=0.011)  # quotes straddle the replayed close, to a tick
    (tmp_path / "s.yaml").write_text("seed: 5\nmarketConfig: {model: mean_reversion, params: {half_life: 0.1}}\n")
    assert main(["simulate", "--config", str(tmp_path / "s.yaml"), "--steps", "100", "--out",
                 str(tmp_path / "s.csv")]) == 0


def test_simulate_refuses_bad_input_with_the_field(tmp_path, capsys):
    assert main(["simulate", "--model", "garch", "--param", "alpha=0.6", "--param", "beta=0.5",
                 "--out", str(tmp_path / "x.csv")]) == 2
    assert "marketConfig.params.beta" in capsys.readouterr().err


def test_calibrate_command_writes_a_loadable_scenario(tmp_path):
    run = subprocess.run([sys.executable, "-m", "mockbroker", "calibrate", "--from-csv",
                          str(FIXTURES / "ACME-1min.csv"), "--out", str(tmp_path / "cal.yaml")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert yaml.safe_load((tmp_path / "cal.yaml").read_text())["marketConfig"]["model"] == "garch"
    load_scenario_file(tmp_path / "cal.yaml")


@pytest.mark.parametrize("model", ["random_walk", "mean_reversion", "momentum", "garch"])
def test_generated_data_same_seed_same_bytes(model, tmp_path):
    config = BrokerConfig(market=MarketConfig(model=model), seed=99)
    one = generate(config, 20_000).write_csv(tmp_path / "one.csv").read_bytes()
    two = generate(config, 20_000).write_csv(tmp_path / "two.csv").read_bytes()
    other = generate(replace(config, seed=100), 20_000).write_csv(tmp_path / "three.csv").read_bytes()
    assert one == two and one != other


def test_generated_mids_are_the_live_brokers_model_path():
    """With no events, the generator's mid path is the live broker's price model path (same named stream)."""
    from mockbroker.broker import MockBroker

    config = BrokerConfig(market=MarketConfig(model="momentum"), seed=12)
    ticks = generate(config, 600)
    broker = MockBroker(config)
    live, times = [], []
    for _ in range(600):
        broker.advance(0.1)
        live.append(broker.market["ACME"].model.price)
        times.append(broker.now_ns())
    assert np.allclose(ticks.mid, live, rtol=1e-9)
    assert ticks.time_ns.tolist() == times
