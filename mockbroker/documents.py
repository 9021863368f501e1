"""Reading YAML or JSON documents (scenario files, fixtures), with one clear error for a file that does not parse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import BrokerError


def read_document(path: Path, error: type[BrokerError], **details: Any) -> Any:
    """The parsed content of a ``.yaml``/``.yml`` or JSON file; a parse error becomes ``error`` naming the file."""
    text = path.read_text(encoding="utf-8")
    is_yaml = path.suffix in (".yaml", ".yml")
    try:
        if is_yaml:
            import yaml

            return yaml.safe_load(text)
        return json.loads(text)
    except Exception as problem:  # noqa: BLE001 - YAML and JSON each have their own error classes
        raise error(f"{path}: not valid {'YAML' if is_yaml else 'JSON'}: {problem}", **details) from None
