"""Write Allure's environment.properties for a run into the results folder.

Usage: python tools/allure_environment.py --results DIR --targets "inprocess http" --seed N
                                          [--behave-args "..."]

Records the target(s), the seed (a ``-D seed=N`` inside --behave-args wins over --seed, which the
Makefile takes from SEED / $MOCKBROKER_SEED, default 2109), the command to reproduce the run, and
the versions of Python, behave, allure-behave, the Allure command line and mockbroker.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def mockbroker_version() -> str:
    """The package's __version__ if it declares one, else the git revision of the work tree."""
    sys.path.insert(0, str(ROOT))
    try:
        import mockbroker  # noqa: PLC0415

        version = getattr(mockbroker, "__version__", None)
    except Exception:  # a broken package must not stop the report
        version = None
    finally:
        sys.path.pop(0)
    revision = _git("describe", "--always", "--dirty")
    if version:
        return f"{version} ({revision})" if revision else str(version)
    return f"0+git.{revision}" if revision else "unknown"


def allure_cli_version() -> str:
    package = ROOT / "node_modules" / "allure" / "package.json"
    try:
        return json.loads(package.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "not installed"


def seed_from(behave_args: str, default: str) -> str:
    found = re.findall(r"(?:-D\s*|--define[=\s]+)seed=(\S+)", behave_args)
    return found[-1] if found else default


def _escape(value: str) -> str:
    # .properties format: backslash, and keep each value on one line
    return value.replace("\\", "\\\\").replace("\n", " ")


def properties(targets: list[str], seed: str, behave_args: str) -> dict[str, str]:
    # `make report` runs in-process only; any other target comes from `make test`
    command = "report" if targets == ["inprocess"] else "test"
    reproduce = ["make", command, f"SEED={seed}"]
    if behave_args.strip():
        reproduce.append(f"BEHAVE_ARGS={shlex.quote(behave_args.strip())}")
    return {
        "target": ", ".join(targets),
        "seed": seed,
        "reproduce": " ".join(reproduce),
        "python": platform.python_version(),
        "behave": _dist_version("behave"),
        "allure-behave": _dist_version("allure-behave"),
        "allure": allure_cli_version(),
        "mockbroker": mockbroker_version(),
        "platform": platform.platform(terse=True),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True, type=Path)
    parser.add_argument("--targets", required=True, help="space- or comma-separated targets")
    parser.add_argument("--seed", default="2109")
    parser.add_argument("--behave-args", default="")
    args = parser.parse_args(argv)

    targets = [t for t in re.split(r"[\s,]+", args.targets) if t]
    if not targets:
        parser.error("--targets is empty")
    args.results.mkdir(parents=True, exist_ok=True)
    props = properties(targets, seed_from(args.behave_args, args.seed), args.behave_args)
    text = "".join(f"{key}={_escape(value)}\n" for key, value in props.items())
    (args.results / "environment.properties").write_text(text, encoding="utf-8")
    print(f"wrote {args.results / 'environment.properties'}: target={props['target']} seed={props['seed']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
