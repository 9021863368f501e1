"""The command line has one error path: bad input prints clear lines and exits 2, never a traceback; every
command has help for every option and an example; plain ``python -m mockbroker`` prints the help."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mockbroker import __version__
from mockbroker.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
GOOG = ROOT / "tests" / "fixtures" / "market-data" / "GOOG.csv"
CHOPPY = ROOT / "tests" / "fixtures" / "market-data" / "scenarios" / "choppy-open.yaml"


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "not-csv.bin").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "not-bars.csv").write_text("a,b\n1,2\n")
    (tmp_path / "broken.yaml").write_text("marketConfig: [1, 2\n")
    (tmp_path / "many-problems.yaml").write_text(
        "descripton: typo\nscenario: flash_crsh\nmarketConfig:\n  volatility: -1\n  model: garh\n"
        "symbols:\n  - symbol: acme\nevents:\n  - type: nope\n")
    (tmp_path / "2024 prices.csv").write_text(GOOG.read_text())
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as stop:  # argparse's own errors (a bad option or value): exit 2 with its usage line
        status = stop.code
    out, err = capsys.readouterr()
    return status, out, err


BAD_INPUT = {
    "serve: a missing config": (["serve", "--config", "{tmp}/missing.yaml"], "no such file"),
    "serve: a config that is not YAML": (["serve", "--config", "{tmp}/broken.yaml"], "not valid YAML"),
    "serve: a config with many problems": (["serve", "--config", "{tmp}/many-problems.yaml"], "6 problems"),
    "serve: a port out of range": (["serve", "--port", "70000"], "must be from 0 to 65,535"),
    "serve: a folder as config": (["serve", "--config", "{tmp}"], "not a file"),
    "simulate: --out into a missing folder": (["simulate", "--steps", "10", "--out", "{tmp}/nodir/x.csv"],
                                              "does not exist"),
    "simulate: a mistyped scenario": (["simulate", "--scenario", "flash_crsh", "--out", "{tmp}/x.csv"],
                                      "did you mean 'flash_crash'"),
    "simulate: a mistyped model": (["simulate", "--model", "garh", "--out", "{tmp}/x.csv"], "did you mean 'garch'"),
    "simulate: a bad model parameter": (["simulate", "--model", "mean_reversion", "--param", "half_life=abc",
                                         "--steps", "10", "--out", "{tmp}/x.csv"], "half_life='abc'"),
    "simulate: a config with many problems": (["simulate", "--config", "{tmp}/many-problems.yaml", "--out",
                                               "{tmp}/x.csv"], "events[0]"),
    "simulate: a missing history": (["simulate", "--from-csv", "{tmp}/nope.csv", "--out", "{tmp}/x.csv"],
                                    "no such file"),
    "simulate: a bad bar size": (["simulate", "--bars", "5min", "--out", "{tmp}/x.csv"], "bar size"),
    "backtest: a file that is not CSV": (["backtest", "--strategy", "sma_crossover", "--data", "{tmp}/not-csv.bin"],
                                         "not a CSV file of bars"),
    "backtest: a CSV that is not bars": (["backtest", "--strategy", "sma_crossover", "--data", "{tmp}/not-bars.csv"],
                                         "missing column(s) open, high, low, close"),
    "backtest: a parameter that is not a number": (["backtest", "--strategy", "sma_crossover", "--data", str(GOOG),
                                                    "--param", "fast=abc"], "--param fast='abc': must be a whole"),
    "backtest: a mistyped parameter": (["backtest", "--strategy", "sma_crossover", "--data", str(GOOG), "--param",
                                        "fats=3"], "did you mean 'fast'"),
    "backtest: a mistyped strategy": (["backtest", "--strategy", "sma_crossovr", "--data", str(GOOG)],
                                      "did you mean 'sma_crossover'"),
    "backtest: a file name that is not a symbol": (["backtest", "--strategy", "sma_crossover", "--data",
                                                    "{tmp}/2024 prices.csv"], "--symbol"),
    "backtest: a missing data file": (["backtest", "--strategy", "sma_crossover", "--data", "{tmp}/nope.csv"],
                                      "no such file"),
    "backtest: --out into a missing folder": (["backtest", "--strategy", "sma_crossover", "--data", str(GOOG),
                                               "--out", "{tmp}/nodir/r.json"], "does not exist"),
    "backtest: cash below zero": (["backtest", "--strategy", "sma_crossover", "--data", str(GOOG), "--cash", "-5"],
                                  "must be above 0"),
    "calibrate: a file that is not CSV": (["calibrate", "--from-csv", "{tmp}/not-csv.bin", "--out", "{tmp}/o.yaml"],
                                          "not a CSV file"),
    "calibrate: a missing history": (["calibrate", "--from-csv", "{tmp}/nope.csv", "--out", "{tmp}/o.yaml"],
                                     "no such file"),
    "calibrate: --out into a missing folder": (["calibrate", "--from-csv", str(GOOG), "--out", "{tmp}/no/o.yaml"],
                                               "does not exist"),
    "fixtures generate: no accounts": (["fixtures", "generate", "--accounts", "0"], "must be from 1"),
    "fixtures generate: --output into a missing folder": (["fixtures", "generate", "-o", "{tmp}/no/p.yaml"],
                                                          "does not exist"),
    "fixtures check: a broken file": (["fixtures", "check", "{tmp}/broken.yaml"], "broken.yaml"),
    "fixtures load: a missing fixture": (["fixtures", "load", "{tmp}/nope.yaml"], "no such file"),
    "an unknown command": (["sell-everything"], "invalid choice"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_exits_2_with_clear_lines_and_no_traceback(capsys, files, case):
    argv, says = BAD_INPUT[case]
    status, out, err = run(capsys, *(a.replace("{tmp}", str(files)) for a in argv))
    assert status == 2, (status, out, err)
    assert "Traceback" not in out + err
    assert says in err, err


def test_a_file_with_many_problems_lists_them_all_with_their_paths(capsys, files):
    status, _, err = run(capsys, "serve", "--config", str(files / "many-problems.yaml"))
    assert status == 2
    for path in ("descripton: unknown field (did you mean 'description'?)", "scenario='flash_crsh'",
                 "marketConfig.volatility=-1", "marketConfig.model='garh'", "symbols[0].symbol='acme'",
                 "events[0]: event.type='nope'"):
        assert path in err, err


def test_the_real_entry_point_has_no_traceback_either(files):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MOCKBROKER_DEBUG", None)
    run_ = subprocess.run([sys.executable, "-m", "mockbroker", "serve", "--config", str(files / "broken.yaml")],
                          capture_output=True, text=True, timeout=120, env=env)
    assert run_.returncode == 2
    assert "Traceback" not in run_.stderr and run_.stderr.startswith("mockbroker serve: --config"), run_.stderr


def test_plain_mockbroker_prints_the_help(capsys):
    status, out, _ = run(capsys)
    assert status == 0
    assert "usage: mockbroker" in out and "examples:" in out and "serve" in out


def test_version(capsys):
    status, out, _ = run(capsys, "--version")
    assert status == 0 and out.strip() == f"mockbroker {__version__}"


def _parsers():
    def walk(parser, name):
        yield name, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub, child in action.choices.items():
                    yield from walk(child, f"{name} {sub}")
    return list(walk(build_parser(), "mockbroker"))


def test_every_command_shows_an_example_and_every_option_has_help():
    missing = []
    for name, parser in _parsers():
        if "examples:" not in (parser.epilog or ""):
            missing.append(f"{name}: no examples in its help")
        for action in parser._actions:
            if action.option_strings and not action.help:
                missing.append(f"{name} {action.option_strings[0]}: no help text")
    assert not missing, "\n".join(missing)
    assert len(_parsers()) >= 8


def test_defaults_are_shown_in_the_help():
    help_text = " ".join(dict(_parsers())["mockbroker serve"].format_help().split())
    assert "(default: 127.0.0.1)" in help_text and "(default: 8000)" in help_text
    assert "(default: warning)" in help_text
    generate = " ".join(dict(_parsers())["mockbroker fixtures generate"].format_help().split())
    assert "(default: 3)" in generate


def test_serve_takes_the_same_scenario_files_as_simulate(tmp_path):
    """The repository's own scenario file, with name, description and events, starts the service."""
    from mockbroker.service.process import ServiceProcess

    import requests

    with ServiceProcess(extra_args=["--config", str(CHOPPY)], start_timeout=60) as service:
        accounts = requests.get(f"{service.base_url}/mock/accounts", timeout=10).json()
        assert accounts
    # and simulate takes it too
    out = tmp_path / "choppy.csv"
    assert main(["simulate", "--config", str(CHOPPY), "--steps", "50", "--out", str(out)]) == 0
    assert out.read_text().startswith("time,bid,ask,last,volume")


def test_every_option_says_what_it_defaults_to():
    """An option with a default shows it; one without says in its help what happens when it is left out."""
    silent = []
    for name, parser in _parsers():
        for action in parser._actions:
            if not action.option_strings or action.required or action.nargs == 0:
                continue  # positionals, required options, flags (--compare), --help, --version
            if action.default is None and "default" not in (action.help or ""):
                silent.append(f"{name} {action.option_strings[-1]}")
    assert not silent, "options whose help does not say their default:\n  " + "\n  ".join(silent)


def test_fixtures_check_lists_every_problem_of_a_file_with_its_path(capsys, tmp_path):
    bad = tmp_path / "people.yaml"
    bad.write_text("symbols:\n  - symbol: ACME\n    price: -3\nacounts: []\naccounts:\n  - id: alice\n    cash: lots\n"
                   "  - id: bob\n    orders:\n      - {symbol: ACME, side: purchase, qty: 10}\n"
                   "      - {symbol: ACME, side: buy, qty: 1.5}\n")
    status, _, err = run(capsys, "fixtures", "check", str(bad))
    assert status == 2 and "Traceback" not in err
    for path in ("acounts: unknown field (did you mean 'accounts'?)", "symbols[0].price=-3", "accounts[0].cash='lots'",
                 "accounts[1].orders[0].side='purchase'", "accounts[1].orders[1].qty=1.5"):
        assert path in err, err
