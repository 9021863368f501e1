"""Label the Allure results of one behave run: its target, where it ran, and one feature/epic/story each.

Usage: python tools/label_target.py RESULTS_DIR TARGET [--shard NAME] [--host NAME]

Run it right after each behave run (one target, one process or shard), before the next run writes into the same
folder. Every ``*-result.json`` without a ``target`` label is this run's, and gets:

- ``target=TARGET`` (allurerc.mjs turns each target into an Allure environment);
- ``host`` (``TARGET on HOST``, ``--host`` default this machine's name) and ``thread`` (``--shard``, default
  ``main``): the Timeline tab draws a box per host and a lane per thread, so each target gets its own box, and a
  sharded run (one behave process per shard) labels each shard's results with its own ``--shard``;
- exactly one ``feature`` label, the Feature's title (allure-behave adds it; an ``@allure.label.feature:`` tag
  would make a second one and show every scenario twice in the tree), and at most one ``epic`` and one
  ``story`` (the scenario's own tag wins over the Feature's);
- a message without the ``AssertionError: `` prefix, and a ``failure`` label with its first line (the trader's
  words: tools/allure/categories.json groups failures by it, not by the whole message with its ids); a skipped
  scenario the run's tags left out says so (one a step skipped says why in its description); a failed
  scenario's price chart moves under its failed step, next to the message;
- links ``@allure.issue:ID`` and ``@allure.tms:ID`` turned into URLs with the templates of allurerc.mjs
  (``linkTemplates``; environment variables MOCKBROKER_ISSUE_URL and MOCKBROKER_TMS_URL);
- for targets other than ``inprocess``, a target-specific ``historyId``, so one scenario's trend in one target
  never mixes with another's.

Results that already have a ``target`` label (an earlier run's) are left alone, so labelling twice is harmless.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import socket
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import allure_files  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ONE_EACH = ("epic", "story")
ASSERTION_PREFIX = "AssertionError: "
CHART_PREFIX = "price chart ("


@functools.lru_cache(maxsize=1)
def link_templates() -> dict[str, str]:
    """``{"issue": "https://.../%s", "tms": ...}`` from allurerc.mjs (one place for the templates), read by Node."""
    script = ("const m = await import(process.argv[1]);"
              "process.stdout.write(JSON.stringify(m.linkTemplates ?? {}));")
    try:
        done = subprocess.run(["node", "--input-type=module", "-e", script, (ROOT / "allurerc.mjs").as_uri()],
                              capture_output=True, text=True, timeout=30, cwd=ROOT)
        templates = json.loads(done.stdout) if done.returncode == 0 else {}
    except (OSError, ValueError, subprocess.TimeoutExpired):
        templates = {}
    if not templates:
        print("warning: no linkTemplates from allurerc.mjs; issue and tms links keep their bare ids", file=sys.stderr)
    return {kind: url for kind, url in templates.items() if isinstance(url, str) and url.count("%s") == 1}


def feature_title(data: dict) -> str | None:
    """The Feature's title: the last part of allure-behave's titlePath, else the last feature label it added."""
    path = data.get("titlePath") or []
    if path:
        return path[-1]
    features = allure_files.label_values(data, "feature")
    return features[-1] if features else None


def normalize_labels(data: dict) -> None:
    title = feature_title(data)
    if title:
        allure_files.set_label(data, "feature", title)
    for name in ONE_EACH:
        values = allure_files.label_values(data, name)
        if len(values) > 1:
            allure_files.set_label(data, name, values[-1])


def plain_message(data: dict) -> None:
    """The result's and its steps' messages without the ``AssertionError: `` prefix."""
    details = data.get("statusDetails") or {}
    message = details.get("message")
    if isinstance(message, str) and message.startswith(ASSERTION_PREFIX):
        details["message"] = message[len(ASSERTION_PREFIX):]
    for step in data.get("steps", []):
        plain_message(step)


def failure_label(data: dict) -> None:
    """``failure``: the message's first line (the trader's words, no ids), which Categories group by: the whole
    message holds the order's id and the rerun command, so it would make every failure a group of its own."""
    if data.get("status") not in ("failed", "broken"):
        return
    message = (data.get("statusDetails") or {}).get("message") or ""
    first = next((line.strip() for line in message.splitlines() if line.strip()), "")
    if first:
        allure_files.set_label(data, "failure", first[:200])


def skip_note(data: dict) -> None:
    """A scenario the run's tags left out has no word of why; one a step skipped says why in its description."""
    if data.get("status") != "skipped" or (data.get("statusDetails") or {}).get("message"):
        return
    if not (data.get("description") or "").startswith("**Skipped:**"):
        data.setdefault("statusDetails", {})["message"] = "not run in this environment: the run's tags left it out"


def chart_to_failed_step(data: dict) -> None:
    """A failed scenario's price chart goes under its failed step, next to the message it explains."""
    if data.get("status") not in ("failed", "broken"):
        return
    step = next((st for st in data.get("steps", []) if st.get("status") in ("failed", "broken")), None)
    charts = [a for a in data.get("attachments", []) if a.get("name", "").startswith(CHART_PREFIX)]
    if step is None or not charts:
        return
    data["attachments"] = [a for a in data["attachments"] if a not in charts]
    step["attachments"] = charts + step.get("attachments", [])


def resolve_links(data: dict, templates: dict[str, str]) -> None:
    for link in data.get("links", []):
        template = templates.get(link.get("type", ""))
        url = link.get("url") or ""
        if template and url and not url.startswith(("http://", "https://")):
            link["name"] = link.get("name") or url
            link["url"] = template.replace("%s", url)


def label_results(results: Path, target: str, shard: str = "main", host: str | None = None) -> int:
    host = host or socket.gethostname()
    templates: dict[str, str] | None = None
    labelled = 0
    for path, data in allure_files.results(results):
        if allure_files.label(data, "target") is not None:
            continue
        if templates is None:
            templates = link_templates()
        allure_files.set_label(data, "target", target)
        allure_files.set_label(data, "host", f"{target} on {host}")
        allure_files.set_label(data, "thread", shard)
        normalize_labels(data)
        plain_message(data)
        failure_label(data)
        skip_note(data)
        chart_to_failed_step(data)
        resolve_links(data, templates)
        if target != "inprocess" and data.get("historyId"):
            data["historyId"] = hashlib.md5(f"{data['historyId']}|target={target}".encode()).hexdigest()
        allure_files.save(path, data)
        labelled += 1
    return labelled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("target")
    parser.add_argument("--shard", default="main", help="this process or shard's name (the Timeline lane)")
    parser.add_argument("--host", default=None, help="the machine's name (default: this host's name)")
    args = parser.parse_args(argv)
    if not args.results.is_dir():
        print(f"error: no results folder {args.results}", file=sys.stderr)
        return 2
    count = label_results(args.results, args.target, args.shard, args.host)
    print(f"labelled {count} Allure results with target={args.target} (thread {args.shard})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
