"""Broker adapters: real brokers behind the ``Broker`` contract, so the acceptance suite's ``@conformance`` profile
can run against them (docs/conformance.md).

- ``mockbroker.adapters.alpaca``: Alpaca's Trading API through alpaca-py's ``TradingClient`` (``connect`` is the
  factory: ``behave -D target=mockbroker.adapters.alpaca:connect``, or ``-D target=alpaca``).
- ``mockbroker.adapters.alpaca_errors``: what alpaca-py raises, as ``mockbroker.errors`` classes.
- ``mockbroker.adapters.alpaca_updates``: the trade-updates stream, kept as the ``Broker`` contract's event log.

An adapter states what it offers beyond ``Broker`` in a ``capabilities`` attribute (``mockbroker.capabilities``),
the accounts it can act as in ``accounts``, and the symbols the profile may trade in ``symbols``.
"""
