"""Configuration takes the product spec's camelCase names and refuses bad values with the field named."""

import pytest

from mockbroker.config import BrokerConfig, ExecutionConfig, MarketConfig
from mockbroker.errors import ConfigurationError


def test_spec_names_are_accepted():
    config = BrokerConfig.from_dict({
        "scenario": "volatile",
        "marketConfig": {"model": "random_walk", "volatility": 2.5, "drift": 0.1, "spread": 3, "liquidity": 500,
                         "updateFrequency": 250},
        "executionConfig": {"fillProbability": 0.5, "partialFillRatio": 0.25, "latencyMin": 5, "latencyMax": 9,
                            "slippageBps": 2, "rejectionRate": 0.1},
        "symbols": ["ACME", {"symbol": "XYZ", "price": "12.34"}],
        "accounts": [{"id": "alice", "cash": 5000}],
        "seed": 11,
    })
    assert config.market.update_frequency == 250
    assert config.execution.partial_fill_ratio == 0.25
    assert [s.symbol for s in config.symbols] == ["ACME", "XYZ"]
    assert str(config.symbols[1].price) == "12.34"
    assert config.accounts[0].id == "alice" and config.seed == 11


@pytest.mark.parametrize("section, body, field", [
    ("marketConfig", {"volatility": -1}, "volatility"),
    ("marketConfig", {"model": "crystal_ball"}, "model"),
    ("marketConfig", {"updateFrequency": 0}, "updateFrequency"),
    ("marketConfig", {"liquidity": True}, "liquidity"),
    ("executionConfig", {"fillProbability": 1.5}, "fillProbability"),
    ("executionConfig", {"partialFillRatio": 0}, "partialFillRatio"),
    ("executionConfig", {"latencyMin": 10, "latencyMax": 5}, "latencyMax"),
    ("executionConfig", {"rejectionRate": float("nan")}, "rejectionRate"),
    ("executionConfig", {"colour": "blue"}, "colour"),
])
def test_bad_values_name_the_field(section, body, field):
    with pytest.raises(ConfigurationError, match=field):
        BrokerConfig.from_dict({section: body})


def test_duplicate_symbols_and_accounts_are_refused():
    with pytest.raises(ConfigurationError, match="listed twice"):
        BrokerConfig.from_dict({"symbols": ["ACME", "ACME"]})
    with pytest.raises(ConfigurationError, match="listed twice"):
        BrokerConfig.from_dict({"accounts": [{"id": "a"}, {"id": "a"}]})


def test_unknown_top_level_field_is_refused():
    with pytest.raises(ConfigurationError, match="colour"):
        BrokerConfig.from_dict({"colour": "blue"})


def test_round_trip_through_dict():
    config = BrokerConfig(market=MarketConfig(volatility=3.0), execution=ExecutionConfig(latency_min=1, latency_max=2))
    again = BrokerConfig.from_dict(config.to_dict())
    assert again.market == config.market and again.execution == config.execution
