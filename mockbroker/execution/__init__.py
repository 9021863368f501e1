"""Order execution: the lifecycle state machine and the matching engine (latency, book walking, fills)."""

from .engine import ExecutionEngine, WorkingOrder
from .lifecycle import ALLOWED, IllegalTransition, is_legal

__all__ = ["ALLOWED", "ExecutionEngine", "IllegalTransition", "WorkingOrder", "is_legal"]
