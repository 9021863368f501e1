"""Print the stylized-facts table of docs/market-simulation.md: the S&P 500 (1999-2018, ``arch.data.sp500``)
against the realistic model calibrated to it, fact by fact, with the simulated band.

Usage: .venv/bin/python tools/market_facts.py [--histories 200] [--seed 11] [--intraday-days 500]

- Daily: the source is calibrated (``calibrate``), then ``--histories`` 20-year histories (5,030 days each, after
  a 2,000-day burn-in) are simulated from the calibrated model at the daily scale (exactly the intraday path's
  closes); the table gives the real value, the simulated median and the central 95% of the simulated values.
- Intraday: ``--intraday-days`` sessions of one-minute updates of the calibrated model on a $500 stock; the table
  gives the measured value against the documented profile.
Takes about a minute at the defaults (the tests run the same checks with fewer histories).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mockbroker.config import BrokerConfig, SymbolConfig  # noqa: E402
from mockbroker.market import facts  # noqa: E402
from mockbroker.market.calibration import calibrate_file  # noqa: E402
from mockbroker.market.generator import generate  # noqa: E402
from mockbroker.market.models import create_model  # noqa: E402
from mockbroker.scenarios import load_scenario_file  # noqa: E402

DAILY_ROWS = [
    ("volatility", "volatility, % a day", "{:.2f}"),
    ("mean", "mean log return, % a day", "{:.4f}"),
    ("kurtosis", "excess kurtosis (fat tails)", "{:.1f}"),
    ("skew", "skewness", "{:.2f}"),
    ("acf_1", "autocorrelation of returns, lag 1", "{:+.3f}"),
    ("acf_max_10", "largest abs. autocorrelation, lags 1-10", "{:.3f}"),
    ("acf_abs_1", "autocorrelation of abs. returns, lag 1", "{:.3f}"),
    ("acf_abs_10", "autocorrelation of abs. returns, lag 10", "{:.3f}"),
    ("acf_abs_50", "autocorrelation of abs. returns, lag 50", "{:.3f}"),
    ("acf_abs_100", "autocorrelation of abs. returns, lag 100", "{:.3f}"),
    ("leverage", "leverage: mean corr(r_t, abs(r_t+k)), k = 1-10", "{:+.3f}"),
    ("gain_loss_median", "gain/loss: median wait for +4 sd / for -4 sd", "{:.2f}"),
    ("gain_loss_geometric", "gain/loss: geometric-mean wait, +4 sd / -4 sd", "{:.2f}"),
    ("kurtosis_5", "excess kurtosis of 5-day returns", "{:.1f}"),
    ("kurtosis_20", "excess kurtosis of 20-day returns", "{:.1f}"),
    ("skew_5", "skewness of 5-day returns", "{:.2f}"),
    ("skew_20", "skewness of 20-day returns", "{:.2f}"),
    ("corr_abs_volume", "corr(abs. return, volume)", "{:.2f}"),
    ("volume_change", "sd of the daily change of log volume", "{:.3f}"),
]


def sp500_csv(folder: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    from arch.data import sp500

    frame = sp500.load()
    out = frame.reset_index()[["Date", "Open", "High", "Low", "Close", "Volume"]]
    out.columns = ["time", "open", "high", "low", "close", "volume"]
    path = folder / "sp500.csv"
    out.to_csv(path, index=False, float_format="%.2f")
    return path, np.diff(np.log(frame["Close"].to_numpy())), frame["Volume"].to_numpy()[1:].astype(float)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histories", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--intraday-days", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path, returns, volume = sp500_csv(Path(tmp))
        calibrate_file(path, Path(tmp) / "sp500.yaml")
        spec = load_scenario_file(Path(tmp) / "sp500.yaml")
    market = spec.config.market
    real = facts.daily_facts(returns, volume)
    model = create_model(market, 100.0, np.random.default_rng(args.seed))
    model.daily_path(2000)
    simulated = []
    for _ in range(args.histories):
        day = model.daily_path(len(returns))
        simulated.append(facts.daily_facts(day["returns"], day["volume"]))
    print(f"Daily: the S&P 500 1999-2018 ({len(returns):,} days) vs {args.histories} simulated 20-year histories "
          f"of the calibrated model (seed {args.seed})\n")
    print("| fact | S&P 500 | simulated median | simulated 95% band |")
    print("| --- | --- | --- | --- |")
    for key, label, fmt in DAILY_ROWS:
        values = np.array([s[key] for s in simulated])
        low, mid, high = np.quantile(values, [0.025, 0.5, 0.975])
        print(f"| {label} | {fmt.format(real[key])} | {fmt.format(mid)} | {fmt.format(low)} to {fmt.format(high)} |")

    config = BrokerConfig(market=market.with_changes(update_frequency=60_000),
                          symbols=(SymbolConfig(symbol="ACME", price=500),), seed=args.seed)
    ticks = generate(config, 389 + 390 * args.intraday_days)
    keep = slice(389, None)
    spread = (ticks.ask - ticks.bid) / ((ticks.ask + ticks.bid) / 2) * 10_000
    intraday = facts.intraday_facts(ticks.mid[keep], spreads=spread[keep], volumes=ticks.volume[keep])
    print(f"\nIntraday: {args.intraday_days} sessions of one-minute updates of the calibrated model\n")
    print("| fact | simulated | documented / published |")
    print("| --- | --- | --- |")
    vol, spr, vlm = intraday["volatility_profile"], intraday["spread_profile"], intraday["volume_profile"]
    print(f"| volatility, first / last half hour vs midday | {vol[0]:.2f} / {vol[-1]:.2f} | 1.80 / 1.15 (shape) |")
    print(f"| spread, first / last half hour vs midday | {spr[0]:.2f} / {spr[-1]:.2f} | 1.44 / 1.09 (shape) |")
    print(f"| volume, first / last half hour vs midday | {vlm[0]:.2f} / {vlm[-1]:.2f} | about 2.5-3 (U-shape) |")
    print(f"| one-minute excess kurtosis | {intraday['minute_kurtosis']:.1f} | fat-tailed (>> 0) |")
    print(f"| one-minute acf of abs. returns, lags 1 / 10 / 60 / 300 | {intraday['minute_acf_abs_1']:.2f} / "
          f"{intraday['minute_acf_abs_10']:.2f} / {intraday['minute_acf_abs_60']:.2f} / "
          f"{intraday['minute_acf_abs_300']:.2f} | positive, decaying |")
    print(f"| one-minute acf of returns, lag 1 | {intraday['minute_acf_1']:+.3f} | about 0 |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
