"""tests/state: files a test writes (databases, snapshot and fixture files) are removed when it ends.

pytest keeps the last runs' ``tmp_path`` folders; here they go at once, so no database or snapshot file outlives
its test. Set ``MOCKBROKER_KEEP_TMP=1`` to keep them for a look after a failure.
"""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture
def tmp_path(tmp_path):
    yield tmp_path
    if not os.environ.get("MOCKBROKER_KEEP_TMP"):
        shutil.rmtree(tmp_path, ignore_errors=True)
