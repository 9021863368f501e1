"""mockbroker: a mock stock broker for acceptance tests, in process or as a service.

    from mockbroker import MockBroker, OrderRequest, Side
    broker = MockBroker.builder().symbols("ACME").seed(7).account("alice", cash=100_000).build()
    order = broker.submit_order(OrderRequest("ACME", 100, Side.BUY), account="alice")
    broker.settle_order(order.id, account="alice")
"""

from .broker import MockBroker, MockBrokerBuilder, create_broker
from .clock import VirtualClock
from .config import AccountConfig, BrokerConfig, ExecutionConfig, FeeConfig, MarketConfig, SymbolConfig
from .domain import (Account, Bar, BookLevel, EventType, Fill, MarketState, Order, OrderBook, OrderEvent, OrderRequest,
                     OrderStatus, OrderType, Position, Quote, Side, TimeInForce, Trade)
from .errors import *  # noqa: F401,F403  (the error hierarchy is part of the public API)
from .errors import BrokerError, RejectReason
from .interface import DEFAULT_ACCOUNT, Broker, SimulationControl

__version__ = "0.1.0"

__all__ = [
    "Account", "AccountConfig", "Bar", "BookLevel", "Broker", "BrokerConfig", "BrokerError", "DEFAULT_ACCOUNT",
    "EventType", "ExecutionConfig", "FeeConfig", "Fill", "MarketConfig", "MarketState", "MockBroker",
    "MockBrokerBuilder", "Order", "OrderBook", "OrderEvent", "OrderRequest", "OrderStatus", "OrderType", "Position",
    "Quote", "RejectReason", "Side", "SimulationControl", "SymbolConfig", "TimeInForce", "Trade", "VirtualClock",
    "create_broker",
]
