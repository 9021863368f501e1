"""Snapshots over HTTP (the service in process): save, list, diff, restore, delete; unknown ids are 404 with a code."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mockbroker.service import create_app

CONFIG = {"symbols": ["ACME"], "accounts": [{"id": "alice", "cash": "100000"}], "seed": 5}


def test_snapshot_endpoints_save_list_diff_restore_and_delete():
    with TestClient(create_app()) as client:
        account = client.post("/mock/configure", json=CONFIG).json()["accounts"][0]
        keys = {"APCA-API-KEY-ID": account["api_key_id"], "APCA-API-SECRET-KEY": account["api_secret_key"]}
        saved = client.post("/mock/snapshot", json={"name": "start"})
        assert saved.status_code == 201 and saved.json()["name"] == "start"
        order = client.post("/v2/orders", headers=keys,
                            json={"symbol": "ACME", "qty": 10, "side": "buy", "type": "market", "time_in_force": "day"})
        assert order.status_code == 200
        client.post("/mock/advance", json={"seconds": 1})
        diff = client.get("/mock/snapshots/start/diff").json()
        assert "alice's ACME position" in [c["subject"] for c in diff["changes"]]
        assert [s["name"] for s in client.get("/mock/snapshots").json()] == ["start"]
        restored = client.post("/mock/snapshots/start/restore")
        assert restored.status_code == 200
        assert client.get("/v2/orders", headers=keys, params={"status": "all"}).json() == []
        assert client.delete("/mock/snapshots/start").status_code == 204
        assert client.get("/mock/snapshots").json() == []


def test_an_unknown_snapshot_is_a_404_with_a_code():
    with TestClient(create_app()) as client:
        for response in (client.post("/mock/snapshots/nope/restore"), client.delete("/mock/snapshots/nope"),
                         client.get("/mock/snapshots/nope/diff")):
            assert response.status_code == 404
            assert response.json()["error"] == "snapshot_not_found"
            assert response.json()["code"] == 40410000


def test_rewind_over_http_steps_back_to_a_saved_point_and_runs_forward():
    with TestClient(create_app()) as client:
        client.post("/mock/configure", json=CONFIG)
        start = client.get("/health").json()["now_ns"]
        assert client.post("/mock/rewind", json={"to_ns": start}).json()["error"] == "snapshot_not_found"
        client.post("/mock/snapshot", json={"name": "open"})
        client.post("/mock/advance", json={"seconds": 30})
        at_30 = client.get("/mock/market/ACME").json()
        client.post("/mock/advance", json={"seconds": 60})
        back = client.post("/mock/rewind", json={"to_ns": start + 30 * 10**9})
        assert back.status_code == 200 and back.json()["now_ns"] == start + 30 * 10**9
        assert back.json()["snapshot"]["name"] == "open"
        assert client.get("/mock/market/ACME").json() == at_30
        assert client.post("/mock/rewind", json={"to_ns": "soon"}).status_code == 422
