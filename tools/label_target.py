"""Label the Allure results of one behave run with the target it ran against.

Usage: python tools/label_target.py RESULTS_DIR TARGET

Every ``*-result.json`` in RESULTS_DIR without a ``target`` label gets ``target=TARGET`` (run this
right after each behave run, before the next one). allurerc.mjs turns the label into an Allure
environment. For targets other than ``inprocess`` the historyId is made target-specific, so the
history and trend of a scenario in one target never mix with another's; in-process results keep
allure-behave's own historyId, so `make report` and `make test` share one in-process history.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path


def label_results(results: Path, target: str) -> int:
    labelled = 0
    for path in sorted(results.glob("*-result.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        labels = data.setdefault("labels", [])
        if any(label.get("name") == "target" for label in labels):
            continue
        labels.append({"name": "target", "value": target})
        if target != "inprocess" and data.get("historyId"):
            data["historyId"] = hashlib.md5(f"{data['historyId']}|target={target}".encode()).hexdigest()
        path.write_text(json.dumps(data), encoding="utf-8")
        labelled += 1
    return labelled


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    results, target = Path(argv[1]), argv[2]
    if not results.is_dir():
        print(f"error: no results folder {results}", file=sys.stderr)
        return 2
    count = label_results(results, target)
    print(f"labelled {count} Allure results with target={target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
