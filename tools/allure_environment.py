"""Write Allure's environment.properties and executor.json for a run into the results folder.

Usage: python tools/allure_environment.py --results DIR --targets "inprocess http" --seed N
                                          [--behave-args "..."] [--command report|test] [--coverage DIR]

environment.properties (the report's Metadata) records the target(s), the seed (a ``-D seed=N`` inside
--behave-args wins over --seed, which the Makefile takes from SEED / $MOCKBROKER_SEED, default 2109), the
command to reproduce the run, the coverage of mockbroker/ when `make test` measured it (the HTML is copied into
the report's folder: ``coverage/index.html``), and the versions of Python, behave, allure-behave, the Allure
command line and mockbroker.

executor.json (the Metadata's "executor" row, a link to the CI job) names who ran it: GitLab CI, GitHub Actions,
Jenkins or another CI from their environment variables (``CI_JOB_URL``, ``GITHUB_RUN_ID``, ``BUILD_URL``...),
else this machine; ``MOCKBROKER_REPORT_URL`` names where the published report lives.
"""

from __future__ import annotations

import argparse
import json
import os
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


def coverage_note(folder: Path | None) -> str:
    """The total coverage `make test` measured, and where its HTML is (copied into the report's folder)."""
    data = folder / "coverage.json" if folder else None
    try:
        totals = json.loads(data.read_text(encoding="utf-8"))["totals"]
    except (AttributeError, OSError, ValueError, KeyError):
        return "not measured by this command (make test measures it: reports/coverage/index.html)"
    return (f"{totals['percent_covered']:.1f}% of mockbroker/ (lines and branches): coverage/index.html next to "
            "this report's index.html")


def properties(targets: list[str], seed: str, behave_args: str, command: str | None = None,
               coverage: Path | None = None) -> dict[str, str]:
    # `make report` runs in-process only; any other target comes from `make test`
    command = command or ("report" if targets == ["inprocess"] else "test")
    reproduce = ["make", command, f"SEED={seed}"]
    if behave_args.strip():
        reproduce.append(f"BEHAVE_ARGS={shlex.quote(behave_args.strip())}")
    return {
        "target": ", ".join(targets),
        "seed": seed,
        "reproduce": " ".join(reproduce),
        "coverage": coverage_note(coverage),
        "python": platform.python_version(),
        "behave": _dist_version("behave"),
        "allure-behave": _dist_version("allure-behave"),
        "allure": allure_cli_version(),
        "mockbroker": mockbroker_version(),
        "platform": platform.platform(terse=True),
    }


def executor(env: dict[str, str], command: str) -> dict[str, object]:
    """Allure's executor.json: the CI job from its environment variables, else this machine."""
    info: dict[str, object]
    if env.get("GITLAB_CI"):
        info = {"name": "GitLab CI", "type": "gitlab", "url": env.get("CI_PROJECT_URL"),
                "buildName": f"{env.get('CI_JOB_NAME', 'job')} #{env.get('CI_JOB_ID', '?')}",
                "buildOrder": env.get("CI_PIPELINE_IID"), "buildUrl": env.get("CI_JOB_URL")}
    elif env.get("GITHUB_ACTIONS"):
        server, repo, run = env.get("GITHUB_SERVER_URL", "https://github.com"), env.get("GITHUB_REPOSITORY"), \
            env.get("GITHUB_RUN_ID")
        info = {"name": "GitHub Actions", "type": "github", "url": f"{server}/{repo}" if repo else None,
                "buildName": f"{env.get('GITHUB_WORKFLOW', 'workflow')} #{env.get('GITHUB_RUN_NUMBER', '?')}",
                "buildOrder": env.get("GITHUB_RUN_NUMBER"),
                "buildUrl": f"{server}/{repo}/actions/runs/{run}" if repo and run else None}
    elif env.get("JENKINS_URL") or env.get("BUILD_URL"):
        info = {"name": "Jenkins", "type": "jenkins", "url": env.get("JENKINS_URL"),
                "buildName": f"{env.get('JOB_NAME', 'job')} #{env.get('BUILD_NUMBER', '?')}",
                "buildOrder": env.get("BUILD_NUMBER"), "buildUrl": env.get("BUILD_URL")}
    elif env.get("CI"):
        info = {"name": env.get("CI_NAME", "CI"), "type": "ci", "buildName": f"make {command}",
                "buildUrl": env.get("CI_JOB_URL") or env.get("CI_BUILD_URL")}
    else:
        info = {"name": f"local run on {platform.node() or 'this machine'}", "type": "local",
                "buildName": f"make {command}"}
    if env.get("CI_JOB_URL") and not info.get("buildUrl"):
        info["buildUrl"] = env["CI_JOB_URL"]
    if env.get("MOCKBROKER_REPORT_URL"):
        info["reportUrl"] = env["MOCKBROKER_REPORT_URL"]
    info["reportName"] = "mockbroker acceptance"
    if isinstance(info.get("buildOrder"), str):
        info["buildOrder"] = int(info["buildOrder"]) if info["buildOrder"].isdigit() else None
    return {key: value for key, value in info.items() if value not in (None, "")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True, type=Path)
    parser.add_argument("--targets", required=True, help="space- or comma-separated targets")
    parser.add_argument("--seed", default="2109")
    parser.add_argument("--behave-args", default="")
    parser.add_argument("--command", choices=("report", "test"), default=None, help="the make target that ran")
    parser.add_argument("--coverage", type=Path, default=None, help="coverage HTML folder (with coverage.json)")
    args = parser.parse_args(argv)

    targets = [t for t in re.split(r"[\s,]+", args.targets) if t]
    if not targets:
        parser.error("--targets is empty")
    args.results.mkdir(parents=True, exist_ok=True)
    props = properties(targets, seed_from(args.behave_args, args.seed), args.behave_args, args.command, args.coverage)
    text = "".join(f"{key}={_escape(value)}\n" for key, value in props.items())
    (args.results / "environment.properties").write_text(text, encoding="utf-8")
    command = args.command or ("report" if targets == ["inprocess"] else "test")
    (args.results / "executor.json").write_text(json.dumps(executor(dict(os.environ), command)), encoding="utf-8")
    print(f"wrote {args.results / 'environment.properties'}: target={props['target']} seed={props['seed']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
