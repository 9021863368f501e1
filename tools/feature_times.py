"""A behave formatter that writes how long each feature file took, for balancing shards (tools/shards.py).

    behave -f tools.feature_times:FeatureTimes -o reports/.../feature-times.json ...

Writes ``{"features/x.feature": seconds, ...}``: wall time from the moment behave starts a feature file (before its
``before_feature`` hook) until it starts the next one; the last file ends at its last step's result (the run's
``after_all`` hook is nobody's). tools/run_suite.py passes it to every behave process it starts.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from behave.formatter.base import Formatter


class FeatureTimes(Formatter):
    name = "feature_times"
    description = "seconds per feature file, as JSON (for balancing shards)"

    def __init__(self, stream_opener, config) -> None:
        super().__init__(stream_opener, config)
        self.times: dict[str, float] = {}
        self._current: str | None = None
        self._started = 0.0
        self._last_result = 0.0

    def _finish(self, at: float) -> None:
        if self._current is not None:
            self.times[self._current] = round(self.times.get(self._current, 0.0) + max(0.0, at - self._started), 3)
        self._current = None

    def uri(self, uri: str) -> None:
        now = time.perf_counter()
        self._finish(now)
        self._current = Path(uri).as_posix()
        self._started = self._last_result = now

    def result(self, step) -> None:
        self._last_result = time.perf_counter()

    def close(self) -> None:
        self._finish(self._last_result)
        stream = self.open()
        stream.write(json.dumps(self.times, indent=0, sort_keys=True) + "\n")
        self.close_stream()
