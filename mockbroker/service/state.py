"""What the service holds besides the engine: the broker, one lock, the key ring, id mapping, snapshots.

The engine is not thread-safe. Every call into it goes through ``ServiceState.lock`` (endpoints are ``async`` and
run on one event loop, so the lock is uncontended; it also protects against callers on other threads, such as
the real-time clock task or a test holding the app).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import re
import secrets
import threading
import uuid
from dataclasses import dataclass, replace
from typing import Any

from ..config import AccountConfig, BrokerConfig
from ..errors import AuthenticationFailed, BrokerError, UnknownAccount, UnknownSymbol


class SnapshotNotFound(BrokerError):
    """A restore named a snapshot the service does not hold (service-level error; clients see ``BrokerError``)."""

    code = "snapshot_not_found"
    http_status = 404

ID_NAMESPACE = uuid.UUID("6d6f636b-6272-4f6b-8572-000000002109")
"""Namespace for the deterministic UUIDs the service gives ids that are not UUIDs (orders, accounts, assets)."""


_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_uuid(value: str) -> bool:
    """Whether ``value`` is a UUID in its canonical 8-4-4-4-12 form (either case): what ``str(uuid.UUID(value))``
    gives back, up to case. A pattern, not ``uuid.UUID``: every new order's id is checked (~3 % of the order path)."""
    return isinstance(value, str) and _CANONICAL_UUID.fullmatch(value) is not None


@functools.lru_cache(maxsize=4096)  # every order answer carries it; uuid5 costs ~3 % of the order path
def asset_id(symbol: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"asset:{symbol}"))


def account_uuid(account_id: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"account:{account_id}"))


def default_keys(seed: int, account_id: str) -> tuple[str, str]:
    """Seed-derived keys (``serve --seed-keys``): reproducible, so anyone who knows the seed knows them."""
    digest = hashlib.sha256(f"mockbroker-keys|{seed}|{account_id}".encode()).hexdigest().upper()
    return "PK" + digest[:18], digest[18:58]


def random_keys() -> tuple[str, str]:
    """The key pair an account gets by default when its configuration names none: unguessable (``secrets``)."""
    return "PK" + secrets.token_hex(9).upper(), secrets.token_hex(20).upper()


def with_keys(account: AccountConfig, seed: int, seed_keys: bool = False) -> AccountConfig:
    """The account with a key pair: its own, else random ones (seed-derived ones when ``seed_keys``)."""
    if account.api_key_id and account.api_secret_key:
        return account
    key_id, secret = default_keys(seed, account.id) if seed_keys else random_keys()
    return replace(account, api_key_id=account.api_key_id or key_id, api_secret_key=account.api_secret_key or secret)


def config_with_keys(config: BrokerConfig, seed_keys: bool = False) -> BrokerConfig:
    return replace(config, accounts=tuple(with_keys(a, config.seed, seed_keys) for a in config.accounts))


class IdMap:
    """Maps engine order ids to the UUIDs the Alpaca wire format needs (identity when they already are UUIDs)."""

    def __init__(self) -> None:
        self._back: dict[str, str] = {}
        self._uuids: set[str] = set()

    def public(self, internal: str | None) -> str | None:
        if internal is None or internal in self._uuids:  # ids already known to be UUIDs: no parsing again
            return internal
        if is_uuid(internal):
            if len(self._uuids) < 1_000_000:  # bounded
                self._uuids.add(internal)
            return internal
        public = str(uuid.uuid5(ID_NAMESPACE, f"order:{internal}"))
        self._back[public] = internal
        return public

    def internal(self, public: str) -> str:
        return self._back.get(public.lower(), public)


@dataclass
class Snapshot:
    id: str
    now_ns: int
    broker: Any
    config: BrokerConfig | None
    keys: dict
    engine_snapshot: Any = None


class ServiceState:
    def __init__(self, broker: Any, config: BrokerConfig | None, admin_key: str | None = None,
                 seed_keys: bool = False) -> None:
        self.lock = threading.RLock()
        self.admin_key = admin_key
        self.seed_keys = seed_keys  # accounts configured without keys get seed-derived ones, else random ones
        self.broker = broker
        self.config = config
        self.ids = IdMap()
        self.keys: dict[str, tuple[str, str]] = {}  # key id -> (secret, account id)
        self.accounts: dict[str, AccountConfig] = {}
        self.snapshots: dict[str, Snapshot] = {}
        self._snapshot_seq = 0
        if config is not None:
            self._learn_accounts(config.accounts)

    # ----- accounts and keys
    def _learn_accounts(self, accounts) -> None:
        for account in accounts:
            self.accounts[account.id] = account
            if account.api_key_id and account.api_secret_key:
                self.keys[account.api_key_id] = (account.api_secret_key, account.id)

    def _engine_accounts(self, fallback) -> tuple:
        """The accounts as the engine holds them (with the keys it gave them), else ``fallback``."""
        config = getattr(self.broker, "config", None)
        if isinstance(config, BrokerConfig):
            return config.accounts
        return tuple(fallback)

    def configure(self, config: BrokerConfig) -> tuple[BrokerConfig, Any]:
        """Configure the engine. Keys: the configured ones, else random ones (seed-derived with ``seed_keys``),
        given to the engine with the configuration (so they are kept in its snapshots and ``--db``)."""
        config = config_with_keys(config, self.seed_keys)
        result = self.broker.configure(config)
        engine_config = getattr(self.broker, "config", None)
        config = config_with_keys(engine_config if isinstance(engine_config, BrokerConfig) else config)
        self.config = config
        self.keys.clear()
        self.accounts.clear()
        self._learn_accounts(config.accounts)
        return config, result

    def open_account(self, account: AccountConfig) -> tuple[AccountConfig, Any]:
        account = with_keys(account, self.config.seed if self.config is not None else 0, self.seed_keys)
        result = self.broker.open_account(account)
        if isinstance(result, dict) and result.get("api_key_id") and result.get("api_secret_key"):
            account = replace(account, api_key_id=result["api_key_id"], api_secret_key=result["api_secret_key"])
        self._learn_accounts([account])
        if self.config is not None:
            self.config = replace(self.config, accounts=self.config.accounts + (account,))
        return account, result

    def authenticate(self, key_id: str | None, secret: str | None) -> str:
        if not key_id or not secret:
            raise AuthenticationFailed("missing APCA-API-KEY-ID or APCA-API-SECRET-KEY header")
        entry = self.keys.get(key_id)
        if entry is None or entry[0] != secret:
            raise AuthenticationFailed("unknown key id or wrong secret key")
        return entry[1]

    def account_list(self) -> list[dict]:
        return [{"id": a.id, "api_key_id": a.api_key_id, "api_secret_key": a.api_secret_key, "cash": str(a.cash),
                 "shorting_enabled": a.shorting_enabled} for a in self.accounts.values()]

    def account_config(self, account_id: str) -> AccountConfig:
        try:
            return self.accounts[account_id]
        except KeyError:
            raise UnknownAccount(f"account={account_id!r}: no such account") from None

    # ----- symbols
    def symbol_config(self, symbol: str):
        if self.config is not None:
            for s in self.config.symbols:
                if s.symbol == symbol:
                    return s
            raise UnknownSymbol(f"symbol={symbol!r}: not traded here")
        return None

    # ----- snapshots: the engine's named snapshots when it has them, else a deep copy of the broker in memory
    def _engine_snapshots(self) -> bool:
        return all(hasattr(self.broker, m) for m in ("snapshot", "restore", "list_snapshots"))

    def snapshot(self, name: str | None = None) -> dict:
        if name is None:
            self._snapshot_seq += 1
            name = f"snap-{self._snapshot_seq}"
        keys = {"keys": dict(self.keys), "accounts": dict(self.accounts), "ids": dict(self.ids._back)}
        if self._engine_snapshots():
            info = self.broker.snapshot(name).to_dict()
            self.snapshots[name] = Snapshot(name, info["time_ns"], None, self.config, keys, info)
            return info
        snap = Snapshot(name, self.broker.now_ns(), copy.deepcopy(self.broker), self.config, keys)
        self.snapshots[name] = snap
        return self._info(snap)

    @staticmethod
    def _info(snap: Snapshot) -> dict:
        from ..clock import iso

        return {"id": snap.id, "name": snap.id, "time_ns": snap.now_ns, "now": iso(snap.now_ns),
                "now_ns": snap.now_ns}

    def list_snapshots(self) -> list[dict]:
        if self._engine_snapshots():
            return [info.to_dict() for info in self.broker.list_snapshots()]
        return [self._info(s) for s in self.snapshots.values()]

    def restore(self, name: str) -> dict:
        snap = self.snapshots.get(name)
        if self._engine_snapshots():
            info = self.broker.restore(name).to_dict()  # the engine raises its own typed error for unknown names
        elif snap is None:
            raise SnapshotNotFound(f"snapshot={name!r}: no such snapshot")
        else:
            self.broker = copy.deepcopy(snap.broker)
            info = self._info(snap)
        if snap is not None:
            self.config = snap.config
            self.keys = dict(snap.keys["keys"])
            self.accounts = dict(snap.keys["accounts"])
            self.ids._back = dict(snap.keys["ids"])
        elif isinstance(getattr(self.broker, "config", None), BrokerConfig):
            self._relearn()  # a snapshot this process did not take (kept in --db): the engine's accounts and keys
        return info

    def _relearn(self) -> None:
        if not isinstance(getattr(self.broker, "config", None), BrokerConfig):
            return
        self.config = config_with_keys(self.broker.config)
        self.keys.clear()
        self.accounts.clear()
        self._learn_accounts(self.config.accounts)

    def delete_snapshot(self, name: str) -> None:
        if self._engine_snapshots() and hasattr(self.broker, "delete_snapshot"):
            self.broker.delete_snapshot(name)
        elif name not in self.snapshots:
            raise SnapshotNotFound(f"snapshot={name!r}: no such snapshot")
        self.snapshots.pop(name, None)
