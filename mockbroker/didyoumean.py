"""'Did you mean' for names typed by a person: scenario, model and strategy names, fields of a file."""

from __future__ import annotations

from difflib import get_close_matches
from typing import Iterable


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice nearest to ``word`` (case-insensitive), if one is near enough."""
    options = {str(c).lower(): str(c) for c in choices}
    found = get_close_matches(str(word).lower(), list(options), n=1, cutoff=cutoff)
    return options[found[0]] if found else None


def hint(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'garch'?)', or '' when nothing is near."""
    match = closest(word, choices)
    return f" (did you mean {match!r}?)" if match else ""
