"""A sweep in the Allure report: one result per scenario, failed when its pass rate is below what it needs.

Each result carries the scenario's own labels (epic, feature, story, severity from its tags), the suite
"seed sweep", the numbers as parameters (seeds, pass rate, 95 % interval, required rate), a step per outcome kind,
and two attachments: the failing seeds with their rerun commands (text) and the whole summary (JSON). Its
history id differs from the plain run's, so a sweep's result never masks the scenario's ordinary one in trends.

Generate a report from them like any other results: ``npx allure generate DIR -o OUT``.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from pathlib import Path

from .stats import percent
from .summary import SHOWN_FAILURES, SweepResult, rerun_command


def write_allure_results(result: SweepResult, directory: str | Path) -> Path:
    from allure_commons.logger import AllureFileLogger
    from allure_commons.model2 import Label, Parameter, StatusDetails, TestResult, TestStepResult

    directory = Path(directory)
    logger = AllureFileLogger(directory)
    now = int(time.time() * 1000)
    start = now - int(result.wall_s * 1000)
    seeds = f"{result.seeds[0]}..{result.seeds[-1]} ({len(result.seeds)})"
    for summary in result.scenarios:
        ref = summary.scenario
        low, high = summary.interval
        rate = "-" if summary.pass_rate is None else percent(summary.pass_rate)
        labels = [Label("suite", "seed sweep"), Label("framework", "mockbroker sweep"), Label("tag", "seed-sweep")]
        labels += [Label(name, value) for name, value in ref.labels().items()]
        if "feature" not in ref.labels():
            labels.append(Label("feature", ref.feature))
        verdict = (f"passed under {summary.passed} of {summary.runs} seeds ({rate}, 95% CI "
                   f"{percent(low)}-{percent(high)}); needs {percent(summary.required_rate)}")
        attachments = []
        failures = summary.failures()
        if failures:
            lines = [f"{ref.location} {ref.name}", f"failed under {len(failures)} of {summary.runs} seeds", ""]
            for o in failures:
                lines.append(f"seed {o.seed} ({o.status}){': ' + o.step if o.step else ''}")
                if o.message:
                    lines += ["    " + m for m in o.message.splitlines()[:6]]
                lines.append(f"    rerun: {rerun_command(ref.location, o.seed, result.defines)}")
            attachments.append(_attach(logger, "failing seeds", "\n".join(lines), "text/plain", "txt"))
        attachments.append(_attach(logger, "sweep summary.json", json.dumps(summary.to_dict(), indent=2),
                                   "application/json", "json"))
        steps = [TestStepResult(name=f"{summary.passed} of {summary.runs} runs passed", status="passed",
                                start=start, stop=now)]
        if failures:
            shown = ", ".join(str(o.seed) for o in failures[:SHOWN_FAILURES])
            steps.append(TestStepResult(name=f"{len(failures)} runs failed (first seeds {shown})",
                                        status="passed" if summary.ok else "failed", start=start, stop=now))
        status = "passed" if summary.ok else "failed"
        details = StatusDetails(message=(f"pass rate below the required {percent(summary.required_rate)}: "
                                         if not summary.ok else "") + verdict)
        key = f"sweep|{ref.location}|{ref.name}"
        logger.report_result(TestResult(
            uuid=str(uuid.uuid4()), historyId=hashlib.md5(key.encode()).hexdigest(),
            testCaseId=hashlib.md5(key.encode()).hexdigest(), fullName=f"{ref.location}: {ref.name} (seed sweep)",
            name=f"{ref.name} (seed sweep)", status=status, statusDetails=details, stage="finished",
            description=f"{ref.location}, swept over master seeds {seeds}. {verdict}.",
            labels=labels, steps=steps, attachments=attachments, start=start, stop=now,
            parameters=[Parameter("master seeds", seeds), Parameter("runs", str(summary.runs)),
                        Parameter("pass rate", rate), Parameter("95% CI", f"{percent(low)}-{percent(high)}"),
                        Parameter("required", percent(summary.required_rate))]))
    return directory


def _attach(logger, name: str, body: str, mime: str, extension: str):
    from allure_commons.model2 import Attachment

    source = f"{uuid.uuid4()}-attachment.{extension}"
    logger.report_attached_data(body.encode("utf-8"), source)
    return Attachment(name=name, source=source, type=mime)
