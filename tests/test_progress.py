"""Progress is drawn on a terminal only: quiet when piped, in CI, or turned off; never in a command's output."""

from __future__ import annotations

import io
import time

import pytest

from mockbroker import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def no_forcing(monkeypatch):
    monkeypatch.delenv("MOCKBROKER_PROGRESS", raising=False)
    monkeypatch.delenv("CI", raising=False)


def test_quiet_when_piped():
    stream = io.StringIO()
    assert not progress.enabled(stream)
    with progress.task("work", total=3, delay=0, stream=stream) as bar:
        bar.advance(3)
    assert stream.getvalue() == ""


def test_quiet_in_ci_and_when_turned_off(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert not progress.enabled(Terminal())
    monkeypatch.delenv("CI")
    monkeypatch.setenv("MOCKBROKER_PROGRESS", "0")
    assert not progress.enabled(Terminal())


def test_drawn_on_a_terminal_and_cleared_after():
    stream = Terminal()
    with progress.task("simulating", total=10, unit="updates", delay=0, stream=stream) as bar:
        for _ in range(10):
            bar.advance(1)
            time.sleep(0.02)
        bar.describe("writing out.csv")
        time.sleep(0.2)
    drawn = stream.getvalue()
    assert "simulating" in drawn or "writing out.csv" in drawn


def test_short_work_draws_nothing_even_on_a_terminal():
    stream = Terminal()
    with progress.task("quick", total=1, delay=5, stream=stream) as bar:
        bar.advance(1)
    assert stream.getvalue() == ""
