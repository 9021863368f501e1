"""The simulated market: price models, the synthetic order book, market events and the per-symbol simulator."""

from .events import EVENT_TYPES, MarketEvent, parse_event
from .models import MODELS, PriceModel, create_model, read_history
from .simulator import MarketSimulator, SymbolMarket

__all__ = ["EVENT_TYPES", "MODELS", "MarketEvent", "MarketSimulator", "PriceModel", "SymbolMarket", "create_model",
           "parse_event", "read_history"]
