"""Deliberately broken broker adapters, to show that the @conformance profile catches what they get wrong.

Each is the real alpaca-py adapter (``mockbroker.adapters.alpaca``) against the stand-in service, with one
behaviour broken the way adapters are broken in the wild. Use one as a target:

    .venv/bin/python -m behave -D target=tests.conformance.broken_adapters:ignores_client_order_id \\
        features/conformance/client_order_ids.feature

``tests/conformance/test_broken_adapters.py`` runs each and checks the profile fails with words that name the
broken behaviour.
"""

from __future__ import annotations

import dataclasses

from mockbroker.adapters.alpaca import AlpacaBroker, stand_in
from mockbroker.domain import Order, OrderRequest, TimeInForce
from mockbroker.interface import DEFAULT_ACCOUNT


class IgnoresClientOrderId(AlpacaBroker):
    """Drops the client order id of every order it sends: the broker makes up its own."""

    def submit_order(self, request: OrderRequest, account: str = DEFAULT_ACCOUNT) -> Order:
        return super().submit_order(dataclasses.replace(request, client_order_id=None), account)


class ActsAsOneAccount(AlpacaBroker):
    """Sends every call with the first account's keys, whichever account it is asked to act as."""

    def _client(self, account: str):
        return super()._client(self.accounts[0])


class IgnoresTimeInForce(AlpacaBroker):
    """Sends every order as a day order, whatever time in force it was given."""

    def submit_order(self, request: OrderRequest, account: str = DEFAULT_ACCOUNT) -> Order:
        return super().submit_order(dataclasses.replace(request, time_in_force=TimeInForce.DAY), account)


def ignores_client_order_id() -> AlpacaBroker:
    return stand_in(adapter=IgnoresClientOrderId)


def acts_as_one_account() -> AlpacaBroker:
    return stand_in(adapter=ActsAsOneAccount)


def ignores_time_in_force() -> AlpacaBroker:
    return stand_in(adapter=IgnoresTimeInForce)
