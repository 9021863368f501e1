"""How prices move: the price models (random walk, mean reversion, momentum, volatility clustering, replay of real
history), scenario files, timed market events and corporate actions (splits, dividends), and what a trader can
see of them (fat tails, the intraday volume profile, a price chart in the report).

A model chosen here applies to every symbol of the scenario. Scenario files are looked up as written, then in
``tests/fixtures/market-data/``; the scenario keeps its own seed (derived from the master seed), not the file's.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

from behave import given, then, when  # noqa: F401

from mockbroker.market.models import TRADING_SECONDS_PER_DAY, read_history
from mockbroker.scenarios import load_scenario_file
from steps.support.capabilities import needs
from steps.support import tasks
from steps.support.matchers import assert_that, compares, money, percent
from steps.types import PARAMETER_TYPES  # noqa: F401 - importing steps.types registers the parameter types

ROOT = Path(__file__).resolve().parent.parent
MARKET_DATA = ROOT / "tests" / "fixtures" / "market-data"


def _find(name: str) -> Path:
    for candidate in (Path(name), ROOT / name, MARKET_DATA / name, MARKET_DATA / "scenarios" / name):
        if candidate.is_file():
            return candidate.resolve()
    raise AssertionError(f'no file "{name}" (looked in the working folder, the repository and {MARKET_DATA})')


def _use_model(context, model: str, **params) -> None:
    context.desk.scene.set_market(model=model, params=params)


# -- Given: price models ---------------------------------------------------------------------------------------------

@given("prices follow a random walk")
@given("prices follow a random walk drifting {drift:Percent} a day")
@needs("control")
def step_prices_follow_a_random_walk(context, drift=None):
    """Prices take independent normal log-returns, with an optional expected daily return. Example: Given prices follow a random walk drifting 0.5% a day"""
    context.desk.scene.set_market(model="random_walk", params={}, **({} if drift is None else {"drift": float(drift)}))


@given("prices revert to {level:Money} with a half-life of {half_life:Duration}")
@needs("control")
def step_prices_revert(context, level, half_life):
    """Mean reversion: a price away from the level moves back, half the distance in each half-life. Example: Given prices revert to $50.00 with a half-life of 30 minutes"""
    _use_model(context, "mean_reversion", level=float(level), half_life=half_life / TRADING_SECONDS_PER_DAY)


@given("prices trend {direction:Direction} {pct:Percent} a day, fading with a half-life of {half_life:Duration}")
@needs("control")
def step_prices_trend(context, direction, pct, half_life):
    """Momentum: a trend that carries prices one way and fades, while new trends come and go. Example: Given prices trend up 20% a day, fading with a half-life of 6 hours"""
    _use_model(context, "momentum", trend=float(direction * pct), trend_half_life=half_life / TRADING_SECONDS_PER_DAY)


@given("volatility clusters")
@needs("control")
def step_volatility_clusters(context):
    """GARCH at every update: wild moves come in bunches and shocks have fat (Student-t) tails. Example: Given volatility clusters"""
    _use_model(context, "garch", alpha=0.15, beta=0.8, nu=4)


@given("volatility clusters from minute to minute")
@needs("control")
def step_volatility_clusters_by_minute(context):
    """GARCH with one-minute periods: each minute has its own volatility, wild minutes come in bunches, fat tails. Example: Given volatility clusters from minute to minute"""
    _use_model(context, "garch", alpha=0.15, beta=0.8, nu=4, period_seconds=60)


@given("prices move like a real stock market")
@needs("control")
def step_prices_move_like_a_real_market(context):
    """The realistic model, fitted to the S&P 500: fat-tailed days with negative skew, calm and wild spells that last for months, falls that raise volatility; within the day wild at the open, calmer at midday, lively into the close, with spreads and volume shaped alike (docs/market-simulation.md). Example: Given prices move like a real stock market"""
    _use_model(context, "realistic")


@given("prices update every second")
@given("prices update every {interval:Duration}")
@needs("control")
def step_prices_update_every(context, interval=1.0):
    """Sets how often the market moves (the broker's update frequency). Example: Given prices update every second"""
    context.desk.scene.set_market(update_frequency=max(1, int(round(interval * 1000))))


@given('{symbol:Symbol} replays the history in "{name}"')
@needs("control")
def step_replays_history(context, symbol, name):
    """Replays real bars (time, open, high, low, close, volume) or prints (time, price, size) from a CSV file, one recorded minute per market minute. Example: Given ACME replays the history in "ACME-1min.csv\""""
    path = _find(name)
    data = read_history(path)
    spacing = 60.0
    if "time" in data and len(data["time"]) > 1:
        spacing = float(data["time"][1] - data["time"][0])
    update_ms = context.desk.scene.market.get("update_frequency", 100)
    ticks = max(4, int(round(spacing * 1000 / update_ms)))
    context.desk.scene.add_symbol(symbol)
    _use_model(context, "historical", path=str(path), ticks_per_bar=ticks)
    context.market_history = {symbol: (data, ticks)}


@given("{symbol:Symbol} replays the S&P 500's daily history")
@needs("control")
def step_replays_sp500(context, symbol):
    """Replays the daily S&P 500 of 1999-2018 (shipped with the arch package), four market updates per day. Example: Given ACME replays the S&P 500's daily history"""
    import tempfile

    from arch.data import sp500

    frame = sp500.load().reset_index()[["Date", "Open", "High", "Low", "Close", "Volume"]]
    frame.columns = ["time", "open", "high", "low", "close", "volume"]
    folder = Path(tempfile.mkdtemp(prefix="sp500-"))
    frame.to_csv(folder / "sp500.csv", index=False, float_format="%.2f")
    context.desk.scene.add_symbol(symbol)
    _use_model(context, "historical", path=str(folder / "sp500.csv"), ticks_per_bar=4)


@given('the market conditions in the scenario file "{name}"')
@needs("control")
def step_scenario_file(context, name):
    """Sets the market from a team's scenario file (YAML or JSON): preset, model, settings, symbols and timed events. Example: Given the market conditions in the scenario file "choppy-open.yaml\""""
    spec = load_scenario_file(_find(name))
    scene = context.desk.scene
    scene.use_scenario(spec.config.scenario)
    scene.set_market(**spec.config.market.to_dict())
    scene.set_execution(**{k: v for k, v in spec.config.execution.to_dict().items()})
    for symbol in spec.config.symbols:
        scene.add_symbol(symbol.symbol, price=symbol.price, shortable=symbol.shortable)
    for event in spec.events:
        scene.add_event(dict(event))


# -- Given/When: timed events and corporate actions ------------------------------------------------------------------

@given("a flash crash of {drop:Percent} over {duration:Duration}")
@when("{symbol:Symbol} crashes {drop:Percent} over {duration:Duration}")
@needs("control")
def step_flash_crash_of_over(context, drop, duration, symbol=None):
    """A flash crash of a given depth and duration, accelerating as it goes (as in May 2010); half the fall is won back over the next 5 minutes. Example: Given a flash crash of 8% over 3 minutes"""
    tasks.happen(context.desk, {"type": "flash_crash", "symbol": context.desk.symbol(symbol), "drop_pct": float(drop),
                      "duration_seconds": duration, "recovery_pct": 50, "recovery_seconds": 300})


@given("trading in {symbol:Symbol} halts after {delay:Duration} for {duration:Duration}")
@needs("control")
def step_halt_later(context, symbol, delay, duration):
    """A trading halt that starts later and lifts by itself. Example: Given trading in ACME halts after 1 minute for 5 minutes"""
    tasks.happen(context.desk, {"type": "halt", "symbol": symbol, "at_seconds": delay, "duration_seconds": duration})


@when("{symbol:Symbol} splits {new:Count}-for-{old:Count}")
@needs("control")
def step_splits(context, symbol, new, old):
    """A stock split: holders get new shares for old (a fraction of a share is paid in cash) and prices divide. Example: When ACME splits 2-for-1"""
    tasks.happen(context.desk, {"type": "split", "symbol": symbol, "ratio": new / old})


@when("{symbol:Symbol} pays a dividend of {amount:Money} a share")
@needs("control")
def step_pays_dividend(context, symbol, amount):
    """The stock goes ex-dividend: holders are paid, shorts pay, and the price drops by the amount. Example: When ACME pays a dividend of $0.50 a share"""
    desk = context.desk.ready()
    context.cash_before_dividend = {a: desk.broker.get_account(a).cash for a in sorted(desk.actors)}
    tasks.happen(context.desk, {"type": "dividend", "symbol": symbol, "amount": float(amount)})


# -- Then ------------------------------------------------------------------------------------------------------------

@then("{actor:Actor} is paid {amount:Money} in dividends")
@then("{actor:Actor} am paid {amount:Money} in dividends")
@needs("control")
def step_paid_dividends(context, actor, amount):
    """Checks the cash a dividend brought a holder. Example: Then alice is paid $50.00 in dividends"""
    _check_dividend_cash(context, actor, amount)


@then("{actor:Actor} pays {amount:Money} in dividends")
@then("{actor:Actor} pay {amount:Money} in dividends")
@needs("control")
def step_pays_dividends(context, actor, amount):
    """Checks the cash a dividend cost a short seller. Example: Then bob pays $50.00 in dividends"""
    _check_dividend_cash(context, actor, -amount)


def _check_dividend_cash(context, actor, expected) -> None:
    desk = context.desk
    account = desk.account_of(actor)
    change = desk.broker.get_account(account).cash - context.cash_before_dividend[account]
    assert_that(change, compares(f"{account}'s cash change from the dividend", "exactly", expected, money))


def _minute_returns(context, symbol: str) -> list[float]:
    desk = context.desk.ready()
    bars = [b for b in desk.broker.get_bars(symbol, timeframe_seconds=60, limit=10_000) if b.start_ns >= desk.start_ns]
    closes = [float(b.close) for b in bars]
    return [math.log(b / a) for a, b in zip(closes, closes[1:])]


@then("{symbol:Symbol}'s one-minute returns have fat tails")
@needs("control", "clock")
def step_fat_tails(context, symbol):
    """Checks the excess kurtosis of the one-minute returns since the start is above 1 (a normal market's is 0). Example: Then ACME's one-minute returns have fat tails"""
    returns = _minute_returns(context, symbol)
    n = len(returns)
    assert_that(n, compares(f"{symbol} one-minute returns since the start", "at least", 30))
    mean = sum(returns) / n
    var = sum((r - mean) ** 2 for r in returns) / n
    kurtosis = sum((r - mean) ** 4 for r in returns) / n / var ** 2 - 3
    assert_that(round(kurtosis, 2), compares(f"the excess kurtosis of {n} {symbol} one-minute returns", "above", 1))


@then("{symbol:Symbol} has replayed the recorded closes")
@needs("control", "clock")
def step_replayed_closes(context, symbol):
    """Checks each minute's close since the start against the recorded history, within 0.15% (the quote's half spread and one replay step). Example: Then ACME has replayed the recorded closes"""
    data, _ticks = context.market_history[symbol]
    desk = context.desk.ready()
    bars = [b for b in desk.broker.get_bars(symbol, timeframe_seconds=60, limit=10_000) if b.start_ns >= desk.start_ns]
    full = bars[:-1]  # the last minute is still running
    assert_that(len(full), compares(f"{symbol} complete minutes since the start", "at least", 1))
    worst = max(abs(float(b.close) / data["close"][i] - 1) * 100 for i, b in enumerate(full))
    assert_that(Decimal(f"{worst:.4f}"), compares(f"the largest distance of {len(full)} {symbol} closes from the "
                                                  "recorded ones", "at most", Decimal("0.15"), percent))


@then("{symbol:Symbol} trades more near the open and the close than at midday")
@needs("control", "clock")
def step_u_shaped_volume(context, symbol):
    """Checks the intraday volume profile: the first and the last half hour each trade more than the middle one. Example: Then ACME trades more near the open and the close than at midday"""
    from mockbroker.market import session

    desk = context.desk.ready()
    bars = [b for b in desk.broker.get_bars(symbol, timeframe_seconds=60, limit=10_000) if b.start_ns >= desk.start_ns]
    halves = [0] * 13
    for bar in bars:
        opened = session.session_bounds(bar.start_ns)[0]
        halves[min(12, max(0, int((bar.start_ns - opened) / 1e9 // 1800)))] += bar.volume
    assert_that(min(halves[0], halves[12]), compares(f"{symbol} volume in the first and last half hours (the "
                                                     f"smaller)", "above", halves[6]),
                f"volume by half hour: {halves}")


@then("a price chart of {symbol:Symbol} is attached to the report")
@needs("clock")
def step_price_chart_attached(context, symbol):
    """Draws the symbol's one-minute bars (range, close, volume), marking where the scenario started, and attaches the PNG to the report. Example: Then a price chart of ACME is attached to the report"""
    import allure

    from mockbroker.market.charts import bars_chart_png

    desk = context.desk.ready()
    bars = desk.broker.get_bars(symbol, timeframe_seconds=60, limit=10_000)
    png = bars_chart_png(bars, f"{symbol}: {context.scenario.name}", marks=[(desk.start_ns, "scenario starts")])
    assert_that(png[:4] == b"\x89PNG", compares("the chart being a PNG image", "exactly", True))
    allure.attach(png, name=f"{symbol} price chart", attachment_type=allure.attachment_type.PNG)
