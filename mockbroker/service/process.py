"""Kept so older imports work: the service process helpers live in ``mockbroker.harness`` (the one place tests,
behave's steps, benchmarks and the load tools start services)."""

from ..harness import ROOT, ServiceProcess, free_port  # noqa: F401
