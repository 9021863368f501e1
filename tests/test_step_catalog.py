"""docs/steps.md is generated from the step definitions: this test fails when someone changes a step and forgets
to regenerate it (run `.venv/bin/python tools/gen_step_catalog.py`), or when a step's example does not match the
step itself. It also checks that every feature uses only defined steps (behave --dry-run)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("gen_step_catalog", ROOT / "tools" / "gen_step_catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_step_catalog_is_current():
    fresh = _generator().render()
    committed = (ROOT / "docs" / "steps.md").read_text()
    assert committed == fresh, "docs/steps.md is stale: run .venv/bin/python tools/gen_step_catalog.py"


def test_every_feature_step_is_defined():
    run = subprocess.run([sys.executable, "-m", "behave", "--dry-run", "--no-summary", "-f", "null",
                          "--format", "steps.usage", "features"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, (f"behave --dry-run found undefined steps:\n{run.stdout[-3000:]}\n{run.stderr[-2000:]}"
                                 + _nearest_steps(run.stdout))
    assert "UNDEFINED STEPS" not in run.stdout, run.stdout[-3000:] + _nearest_steps(run.stdout)


def _nearest_steps(usage: str) -> str:
    """What each undefined step most likely meant (the hint behave prints in a real run, for a dry run too)."""
    import re

    undefined = re.findall(r"^\s+(Given|When|Then|And|But) (.+?)\s+# features/", usage.split("UNDEFINED STEPS")[-1],
                           re.M) if "UNDEFINED STEPS" in usage else []
    if not undefined:
        return ""
    sys.path.insert(0, str(ROOT))
    from behave.runner_util import load_step_modules
    from behave.step_registry import registry

    from steps.support.suggestions import hint

    registry.clear()
    load_step_modules([str(ROOT / "steps")])
    kinds = {"And": "given", "But": "given"}
    return "\n\n" + "\n".join(hint(kinds.get(k, k.lower()), text, registry=registry) for k, text in undefined)
