"""Seeds: one master seed in, one independent ``numpy.random.Generator`` per component out.

Each component asks for its stream by a stable name (``"market/ACME"``, ``"execution/latency"``), so adding a
component or a symbol does not shift the numbers another component sees. No global RNG is ever used.
"""

from __future__ import annotations

import hashlib

import numpy as np

from .config import DEFAULT_SEED  # noqa: F401 - the master seed when none is given


def derive_seed(master: int, *names: str) -> int:
    """A 63-bit seed derived from the master seed and a path of names (stable across runs and platforms)."""
    digest = hashlib.sha256(f"{master}|{'/'.join(names)}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


class SeedBank:
    """Hands out named generators derived from one master seed and remembers them (for snapshots)."""

    def __init__(self, master: int = DEFAULT_SEED) -> None:
        if isinstance(master, bool) or not isinstance(master, int) or master < 0:
            raise ValueError(f"seed={master!r}: a seed is a non-negative integer")
        self.master = master
        self._generators: dict[str, np.random.Generator] = {}

    def generator(self, name: str) -> np.random.Generator:
        if name not in self._generators:
            self._generators[name] = np.random.Generator(np.random.PCG64(derive_seed(self.master, name)))
        return self._generators[name]

    def states(self) -> dict[str, dict]:
        return {name: gen.bit_generator.state for name, gen in sorted(self._generators.items())}

    def restore_states(self, states: dict[str, dict]) -> None:
        for name, state in states.items():
            self.generator(name).bit_generator.state = state
