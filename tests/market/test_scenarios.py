"""Named scenarios, scenario files (YAML/JSON, validated) and the fluent builder."""

from __future__ import annotations

import json

import pytest

from mockbroker.broker import MockBroker
from mockbroker.config import BrokerConfig
from mockbroker.errors import ConfigurationError
from mockbroker.market.models import MODELS
from mockbroker.scenarios import SCENARIOS, apply_scenario, load_scenario_file, parse_scenario, scenario

from market_helpers import FIXTURES

GOOD = """
name: choppy open
description: GARCH market with a crash five minutes in
scenario: volatile
seed: 7
marketConfig:
  model: garch
  volatility: 2.0
  spread: 3
  params: {alpha: 0.1, beta: 0.85, nu: 5}
symbols: [ACME, {symbol: XYZ, price: "20.00"}]
events:
  - {type: flash_crash, symbol: ACME, at_seconds: 300, drop_pct: 8, duration_seconds: 120}
  - {type: halt, symbol: XYZ, at_seconds: 60, duration_seconds: 30}
"""


def test_every_named_scenario_builds_a_broker():
    for name in SCENARIOS:
        broker = MockBroker(BrokerConfig(scenario=name, seed=1))
        broker.advance(60)
        assert broker.market_state("ACME").mid > 0


def test_presets_choose_the_models_they_document():
    market = lambda name: apply_scenario(BrokerConfig(scenario=name), set(MODELS))  # noqa: E731
    assert market("trending")[0].market.model == "momentum"
    assert market("range")[0].market.model == "mean_reversion"
    assert market("volatile")[0].market.volatility >= 4
    assert market("flash_crash")[1][0]["type"] == "flash_crash"
    assert market("no_liquidity")[1][0]["type"] == "liquidity_crisis"
    assert market("failure")[0].execution.rejection_rate >= 0.25


def test_a_yaml_scenario_file_loads_and_runs(tmp_path):
    path = tmp_path / "choppy.yaml"
    path.write_text(GOOD)
    spec = load_scenario_file(path)
    config, events = spec  # unpacks like a tuple
    assert spec.name == "choppy open" and config.market.model == "garch" and len(events) == 2
    broker = MockBroker()
    broker.load_scenario(str(path))
    broker.advance(61)
    assert broker.market["XYZ"].halted and not broker.market["ACME"].halted
    broker.advance(300)
    assert "flash crash" in " ".join(broker.market_state("ACME").events)


def test_json_files_and_round_trips(tmp_path):
    spec = scenario("range").named("quiet").model("mean_reversion", half_life=0.5).symbols("ACME").seed(3) \
        .gap(-4, "ACME", at_seconds=10).build()
    for name in ("quiet.json", "quiet.yaml"):
        again = load_scenario_file(spec.save(tmp_path / name))
        assert again.config == spec.config and again.events == spec.events and again.name == "quiet"
    assert json.loads((tmp_path / "quiet.json").read_text())["events"][0]["pct"] == -4


def test_the_builder_composes_model_events_symbols_and_seed():
    broker = MockBroker.from_scenario(scenario("volatile").model("garch", alpha=0.08).symbols("ACME", "XYZ").seed(11)
                                      .flash_crash(drop_pct=10, over_seconds=60, at_seconds=120).build())
    assert broker.seed == 11 and sorted(broker.market.symbols) == ["ACME", "XYZ"]
    broker.advance(170)
    assert all("flash crash" in " ".join(broker.market_state(s).events) for s in ("ACME", "XYZ"))


def test_scenario_files_keep_history_paths_relative_to_themselves(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "bars.csv").write_bytes((FIXTURES / "ACME-1min.csv").read_bytes())
    (tmp_path / "replay.yaml").write_text("marketConfig: {model: historical, params: {path: data/bars.csv}}\n")
    broker = MockBroker()
    broker.load_scenario(str(tmp_path / "replay.yaml"))
    assert broker.market["ACME"].model.price == pytest.approx(49.99)


@pytest.mark.parametrize("text, field", [
    ("scenari: volatile", "scenari: unknown field"),
    ("scenario: wild", "scenario='wild'"),
    ("marketConfig: {model: brownian}", "marketConfig.model='brownian'"),
    ("marketConfig: {volatility: -2}", "marketConfig.volatility=-2"),
    ("marketConfig: {model: garch, params: {alpha: 0.5, beta: 0.6}}", "marketConfig.params.beta"),
    ("marketConfig: {model: historical, params: {path: nowhere.csv}}", "marketConfig.params.path"),
    ("events: [{type: flash_crash, drop_pct: 120}]", r"events\[0\]: event.drop_pct=120"),
    ("events: [{type: meteor}]", r"events\[0\]: event.type='meteor'"),
    ("symbols: [ACME]\nevents: [{type: halt, symbol: XYZ}]", r"events\[0\].symbol='XYZ'"),
    ("events: {type: halt}", "events="),
    ("- just a list", "must hold one object"),
    ("name: [1]", "name="),
    ("seed: -1", "seed=-1"),
    ("marketConfig: {model: garch", "not valid YAML"),
])
def test_bad_scenario_files_name_the_field(tmp_path, text, field):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigurationError, match=field) as error:
        load_scenario_file(path)
    assert str(path) in error.value.message


def test_a_missing_file_and_bad_json_are_configuration_errors(tmp_path):
    with pytest.raises(ConfigurationError, match="no such file"):
        load_scenario_file(tmp_path / "nope.yaml")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        load_scenario_file(tmp_path / "bad.json")
    with pytest.raises(ConfigurationError, match="unknown field"):
        parse_scenario({"evnts": []})
