"""The flash crash is shaped like 6 May 2010 (the E-mini S&P 500; CFTC-SEC report, Kirilenko et al. 2017): an
accelerating plunge of 5% over 13.5 minutes, 90% of it back within 23 minutes (fast first), spreads x40 and the
book thinned at once, volume surging toward the bottom, and optional stub-quote prints.

The shape is checked on a still market (volatility 0: the mid is the event's path exactly), one update a second.
"""

from __future__ import annotations

import numpy as np
import pytest

from mockbroker.broker import MockBroker
from mockbroker.config import BrokerConfig, MarketConfig
from mockbroker.market.events import FlashCrash
from mockbroker.market.generator import generate

PLUNGE, RECOVERY = 810, 1380


def crash(events=({"type": "flash_crash"},), volatility: float = 0.0, seconds: int = PLUNGE + RECOVERY + 120):
    config = BrokerConfig(market=MarketConfig(volatility=volatility, update_frequency=1000), seed=5)
    return generate(config, seconds, events=[dict(e, at_seconds=60) for e in events])


def test_the_defaults_are_6_may_2010():
    event = FlashCrash()
    assert (event.drop_pct, event.duration_seconds, event.recovery_pct, event.recovery_seconds) == \
        (5.0, PLUNGE, 90.0, RECOVERY)
    assert event.acceleration == 2.5 and event.volume_factor == 6.0 and event.stub_prints is False


def test_the_plunge_accelerates_and_most_of_it_comes_back_fast():
    """Fall so far / depth: 18% at half time (a straight line: 50%), 40% at 9 of 13.5 minutes (the E-mini at
    14:41: 2 of 5 points) -- 60% in the last 30% of the time --; the bottom 5% down at 13.5 minutes; two thirds
    of the recovery within the first third of it; 90% of the fall back at 23 minutes, for good."""
    mid = crash().mid
    start = mid[58]
    fall = lambda second: 1 - mid[60 + second - 1] / start  # noqa: E731 - elapsed seconds since the crash
    assert fall(PLUNGE // 2) / 0.05 == pytest.approx(0.5 ** 2.5, abs=0.01)
    assert fall(540) / 0.05 == pytest.approx((540 / PLUNGE) ** 2.5, abs=0.01)
    assert fall(PLUNGE) == pytest.approx(0.05, abs=1e-4)
    recovered = lambda second: (0.05 - fall(PLUNGE + second)) / 0.05  # noqa: E731
    assert recovered(RECOVERY // 3) == pytest.approx(0.9 * (1 - np.exp(-1)) / (1 - np.exp(-3)), abs=0.01)
    assert recovered(RECOVERY) == pytest.approx(0.9, abs=0.002)
    assert fall(PLUNGE + RECOVERY + 60) == pytest.approx(0.005, abs=2e-4)


def test_spreads_blow_out_at_once_and_volume_surges_toward_the_bottom():
    """One second in, the spread is x40 (the 4 bps quote becomes 160 bps); the tape prints about 6x its usual
    rate in the last minute of the plunge (at least 4x: Poisson noise on ~60 prints a minute is ~13%), more than
    in its first minute, and still more than usual ten minutes into the recovery."""
    ticks = crash()
    spread = (ticks.ask - ticks.bid) / ((ticks.ask + ticks.bid) / 2) * 10_000
    assert spread[60] > 150 and spread[30] < 10
    per_minute = lambda first: ticks.volume[first:first + 60].sum()  # noqa: E731
    calm = per_minute(0)  # the minute before the crash
    assert per_minute(60 + PLUNGE - 60) > 4 * calm
    assert per_minute(60 + PLUNGE - 60) > 2 * per_minute(60)
    assert per_minute(60 + PLUNGE + 600) > 1.3 * calm


def test_stub_quote_prints_hit_absurd_prices_only_around_the_bottom_when_asked_for():
    """``stub_prints``: some prints at $0.01 from 30 s before the bottom to 2 minutes after it; none elsewhere,
    and none without the option. The quotes stay sane (stubs are prints, not the book)."""
    with_stubs = crash([{"type": "flash_crash", "stub_prints": True}], volatility=1.5)
    stubbed = np.nonzero(with_stubs.last < 1)[0]
    assert len(stubbed) > 0 and np.all(with_stubs.last[stubbed] == 0.01)
    printed_at = np.nonzero((with_stubs.volume > 0) & (with_stubs.last < 1))[0]
    assert printed_at.min() >= 60 + PLUNGE - 30 - 1 and printed_at.max() <= 60 + PLUNGE + 120
    assert np.all(with_stubs.bid > 40)
    assert np.all(crash(volatility=1.5).last > 40)


def test_the_live_broker_prints_stub_quotes_on_its_tape_too():
    broker = MockBroker(BrokerConfig(market=MarketConfig(volatility=1.5), seed=8))
    broker.inject({"type": "flash_crash", "stub_prints": True, "drop_pct": 6, "duration_seconds": 120})
    broker.advance(300)
    lows = [float(bar.low) for bar in broker.get_bars("ACME", limit=10)]
    assert min(lows) == 0.01
    assert float(broker.market_state("ACME").mid) > 40


def test_the_design_card_example_still_slips_above_50_bps():
    """Given a flash crash / When I submit a market order / Then it fills with slippage above 50 bps."""
    from mockbroker.domain import OrderRequest, Side

    broker = MockBroker(BrokerConfig(scenario="flash_crash", seed=2))
    order = broker.settle_order(broker.submit_order(OrderRequest("ACME", 100, Side.BUY)).id)
    assert broker.list_fills(order_id=order.id)[0].slippage_bps > 50
