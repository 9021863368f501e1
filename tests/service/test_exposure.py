"""Safe defaults beyond loopback (issue 17): a service reachable from the network needs an admin key (or a loudly
logged --insecure), API keys are random unless seed-derived ones are asked for, and the Dockerfile follows both."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from mockbroker.cli import build_parser
from mockbroker.harness import ROOT
from mockbroker.service import create_app
from mockbroker.service.exposure import exposure_check, insecure_warning, is_loopback
from mockbroker.service.state import default_keys

CONFIG = {"symbols": ["ACME"], "accounts": [{"id": "alice"}, {"id": "bob"}], "seed": 7}


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.3.4.5", True), ("::1", True), ("[::1]", True),
                                            ("localhost", True), ("0.0.0.0", False), ("::", False),
                                            ("192.168.1.20", False), ("example.com", False), ("", False)])
def test_what_counts_as_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_binding_beyond_loopback_needs_an_admin_key_or_insecure():
    assert exposure_check("127.0.0.1", None, False) is None
    refusal = exposure_check("0.0.0.0", None, False)
    assert refusal and "--admin-key KEY or MOCKBROKER_ADMIN_KEY=KEY" in refusal and "--insecure" in refusal
    assert exposure_check("0.0.0.0", "k", False) is None and insecure_warning("0.0.0.0", "k", False) is None
    assert exposure_check("0.0.0.0", None, True) is None
    assert "NO admin key (--insecure)" in insecure_warning("0.0.0.0", None, True)
    assert insecure_warning("127.0.0.1", None, True) is None  # nothing is exposed: nothing to shout about


def test_serve_refuses_to_start_on_all_interfaces_without_an_admin_key():
    env = {k: v for k, v in __import__("os").environ.items() if k != "MOCKBROKER_ADMIN_KEY"}
    done = subprocess.run([sys.executable, "-m", "mockbroker", "serve", "--host", "0.0.0.0", "--port", "9"],
                          cwd=str(ROOT), capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode != 0 and "--host 0.0.0.0: the service would be reachable" in done.stderr
    assert "Traceback" not in done.stderr


def _dockerfile_command() -> list[str]:
    text = (ROOT / "Dockerfile").read_text()
    command = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    assert command[:3] == ["python", "-m", "mockbroker"]
    return command[3:]


def test_the_dockerfile_follows_the_rule(monkeypatch):
    command = _dockerfile_command()
    assert "--insecure" not in command and "--seed-keys" not in command
    monkeypatch.delenv("MOCKBROKER_ADMIN_KEY", raising=False)
    args = build_parser().parse_args(command)
    assert not is_loopback(args.host)
    assert exposure_check(args.host, args.admin_key, args.insecure) is not None  # no key given: it will not start
    monkeypatch.setenv("MOCKBROKER_ADMIN_KEY", "from-docker-run")  # docker run -e MOCKBROKER_ADMIN_KEY=...
    args = build_parser().parse_args(command)
    assert args.admin_key == "from-docker-run" and exposure_check(args.host, args.admin_key, args.insecure) is None


def _keys(client) -> dict:
    return {a["id"]: (a["api_key_id"], a["api_secret_key"]) for a in client.get("/mock/accounts").json()}


def test_keys_are_random_unless_seed_derived_keys_are_asked_for():
    with TestClient(create_app(config=CONFIG)) as one, TestClient(create_app(config=CONFIG)) as two:
        first, second = _keys(one), _keys(two)
        assert first["alice"] != second["alice"]  # same seed, different keys
        assert first["alice"] != default_keys(7, "alice")
        configured = {a["id"]: (a["api_key_id"], a["api_secret_key"])
                      for a in one.post("/mock/configure", json=CONFIG).json()["accounts"]}
        assert configured["alice"] not in (first["alice"], default_keys(7, "alice"))
        opened = one.post("/mock/accounts", json={"id": "carol"}).json()
        assert (opened["api_key_id"], opened["api_secret_key"]) != default_keys(7, "carol")
    with TestClient(create_app(config=CONFIG, seed_keys=True)) as seeded:
        assert _keys(seeded)["alice"] == default_keys(7, "alice")
        assert seeded.post("/mock/accounts", json={"id": "carol"}).json()["api_key_id"] == default_keys(7, "carol")[0]


def test_random_keys_stay_the_accounts_keys_through_reset_and_snapshots():
    with TestClient(create_app(config=CONFIG)) as client:
        keys = _keys(client)
        headers = {"APCA-API-KEY-ID": keys["alice"][0], "APCA-API-SECRET-KEY": keys["alice"][1]}
        client.post("/mock/snapshot", json={"name": "start"})
        client.post("/mock/reset")
        assert client.get("/v2/account", headers=headers).status_code == 200
        client.post("/mock/snapshots/start/restore")
        assert _keys(client) == keys and client.get("/v2/account", headers=headers).status_code == 200


def test_configured_keys_are_kept_as_given():
    body = {**CONFIG, "accounts": [{"id": "alice", "api_key_id": "PKALICE", "api_secret_key": "secret"}]}
    with TestClient(create_app(config=body)) as client:
        assert _keys(client)["alice"] == ("PKALICE", "secret")
