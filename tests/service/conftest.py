import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from mockbroker.service import create_app  # noqa: E402
from mockbroker.harness import ServiceProcess  # noqa: E402

CONFIG = {"symbols": ["ACME", "BETA"], "accounts": [{"id": "alice", "cash": "100000"},
                                                     {"id": "bob", "cash": "50000"}], "seed": 7}


def keys(account: dict) -> dict:
    return {"APCA-API-KEY-ID": account["api_key_id"], "APCA-API-SECRET-KEY": account["api_secret_key"]}


@pytest.fixture
def client():
    with TestClient(create_app()) as c:
        body = c.post("/mock/configure", json=CONFIG).json()
        c.accounts = {a["id"]: keys(a) for a in body["accounts"]}
        yield c


@pytest.fixture(scope="module")
def service():
    with ServiceProcess() as s:
        yield s
