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
from mockbroker.market.calibration import calibrate
from mockbroker.market.generator import generate
from mockbroker.scenarios import load_scenario_file

from market_helpers import FIXTURES

ROOT = Path(__file__).resolve().parents[2]


def test_calibration_recovers_the_intraday_volume_profile_and_spread():
    """The fixture's one-minute bars come from the mock (U-shaped volume, a 4 bps spread): the fitted profile is
    U-shaped (open and close half hours above 1.3, midday below 0.8), the period is the bars' minute, the
    intraday GARCH is fitted (arch), and the Abdi-Ranaldo estimate from the bars finds the spread within 1 bp."""
    document = calibrate(FIXTURES / "ACME-1min.csv")
    params = document["marketConfig"]["params"]
    profile = params["volume_profile"]
    assert len(profile) == 13 and profile[0] > 1.3 and profile[-1] > 1.3 and profile[6] < 0.8
    assert params["period_seconds"] == 60 and len(params["volatility_profile"]) == 13
    assert 0 <= params["intraday_alpha"] and params["intraday_alpha"] + params["intraday_beta"] < 1
    assert document["marketConfig"]["spread"] == pytest.approx(4.0, abs=1.0)


def test_prints_give_the_spread_by_the_roll_estimator():
    """The fixture's prints are the mock's tape, at the bid or the ask of a 4 bps quote on a 1-cent tick (2
    cents): Roll's estimator from their bounce gives a few bps; a default is written only without a bounce."""
    from mockbroker.market.calibration import estimate_spread, roll_spread_bps

    prices = 50 + np.where(np.random.default_rng(3).random(400) < 0.5, 0.01, -0.01)  # a 2-cent bounce, no drift
    assert roll_spread_bps(prices) == pytest.approx(4.0, rel=0.2)
    assert estimate_spread({"kind": "ticks", "price": np.full(50, 50.0)}, False, 1.5)[0] == 4.0


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
    assert yaml.safe_load((tmp_path / "cal.yaml").read_text())["marketConfig"]["model"] == "realistic"
    load_scenario_file(tmp_path / "cal.yaml")


@pytest.mark.parametrize("model", ["random_walk", "mean_reversion", "momentum", "garch", "realistic"])
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
