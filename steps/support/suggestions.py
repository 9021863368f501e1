"""Did you mean: the catalog steps nearest to a step behave could not match, with examples and units.

A feature author who mistypes a step ("When I submitt a market order") or reaches for the wrong unit ("it fills
with slippage above 50 percent") gets, besides behave's own "undefined step" output, the three nearest steps of
the catalog: each phrasing as written in docs/steps.md, a working example, and what each parameter takes
(e.g. "{limit}: Bps, such as 50 bps, 50bps, 0.5%, 50 basis points"). The same hint is the message of the broken
scenario in the Allure report.

How "nearest" is judged: each phrasing of each step is rendered as a sentence, with the values of its own
example (else each parameter type's first example), and compared with the written step as text: character
similarity (difflib), after lower-casing and turning every digit into 9, so "50 percent" and "50 bps" differ by
their unit words only. A step of the same kind (Given, When, Then) is preferred over one of another kind.

Use from the command line too: ``.venv/bin/python -m steps.support.suggestions "Then it fills with slippage
above 50 percent"``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

CATALOG_DOC = "docs/steps.md"
KINDS = ("given", "when", "then")
OTHER_KIND_WEIGHT = 0.85
"""A phrasing registered for another keyword (Given vs When) scores this share of its similarity."""

_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


@dataclass(frozen=True)
class Phrasing:
    """One way to write one catalog step."""

    kind: str
    pattern: str
    function: str
    sentence: str
    example: str
    units: tuple[str, ...]

    @property
    def readable(self) -> str:
        """The phrasing as a feature author reads it: ``{limit:Bps}`` becomes ``{limit}``."""
        def name(m: re.Match) -> str:
            return "{" + m.group(1) + "}" + ("'s" if m.group(2) == "Owner" else "")
        return f"{self.kind.capitalize()} {_PARAM.sub(name, self.pattern)}"


@dataclass(frozen=True)
class Suggestion:
    phrasing: Phrasing
    score: float

    def describe(self) -> str:
        lines = [f"  did you mean: {self.phrasing.readable}", f"      example: {self.phrasing.example}"]
        lines += [f"      {unit}" for unit in self.phrasing.units]
        return "\n".join(lines)


def _type_examples() -> dict[str, tuple[str, str]]:
    """Type name -> (first example, all examples and meaning in a line)."""
    from steps.types import PARAMETER_TYPES

    table = {}
    for name, (_converter, examples) in PARAMETER_TYPES.items():
        table[name] = (re.split(r", (?=\S)", examples)[0], f"{name}, such as {examples}")
    return table


def _example_values(example_text: str, matchers) -> dict[str, str]:
    """The text each parameter has in the step's own example, by parameter name."""
    for matcher in matchers:
        match = matcher.match(example_text)
        if match is not None:
            return {a.name: a.original for a in match.arguments if a.name}
    return {}


def _render(pattern: str, values: dict[str, str], types: dict[str, tuple[str, str]]) -> str:
    def value(m: re.Match) -> str:
        name, type_name = m.group(1), m.group(2)
        if name in values:
            return values[name]
        return types[type_name][0] if type_name in types else name
    return _PARAM.sub(value, pattern)


def catalog(registry=None) -> list[Phrasing]:
    """Every phrasing of every step in the registry, rendered as an example sentence."""
    if registry is None:
        from behave.step_registry import registry
    types = _type_examples()
    by_function: dict = {}
    for kind in KINDS + ("step",):
        for matcher in registry.steps.get(kind, []):
            by_function.setdefault(matcher.func, []).append((kind, matcher))
    phrasings = []
    for func, entries in by_function.items():
        doc = " ".join((func.__doc__ or "").split())
        example = doc.split("Example: ", 1)[1].strip() if "Example: " in doc else ""
        example_text = example.partition(" ")[2]
        values = _example_values(example_text, [m for _k, m in entries])
        for kind, matcher in entries:
            units = tuple(dict.fromkeys(
                f"{{{name}}}: {types[type_name][1]}" for name, type_name in _PARAM.findall(matcher.pattern)
                if type_name in types))
            shown = example if example else f"{kind.capitalize()} {_render(matcher.pattern, values, types)}"
            phrasings.append(Phrasing(kind=kind if kind != "step" else "given", pattern=matcher.pattern,
                                      function=func.__name__, sentence=_render(matcher.pattern, values, types),
                                      example=shown, units=units))
    return phrasings


def _normal(text: str) -> str:
    return re.sub(r"\d", "9", " ".join(text.lower().split()))


def _similarity(written: str, sentence: str) -> float:
    return SequenceMatcher(None, _normal(written), _normal(sentence), autojunk=False).ratio()


def suggest(kind: str, text: str, limit: int = 3, registry=None) -> list[Suggestion]:
    """The ``limit`` nearest catalog steps to a step of kind ``kind`` ("given", "when", "then") reading
    ``text``; one per step function (its best phrasing), best first."""
    kind = kind.lower()
    best: dict[str, Suggestion] = {}
    for phrasing in catalog(registry):
        score = _similarity(text, phrasing.sentence) * (1.0 if phrasing.kind == kind else OTHER_KIND_WEIGHT)
        current = best.get(phrasing.function)
        if current is None or score > current.score:
            best[phrasing.function] = Suggestion(phrasing, score)
    return sorted(best.values(), key=lambda s: -s.score)[:limit]


def hint(kind: str, text: str, registry=None) -> str:
    """The message for an undefined step: the step, the nearest steps with examples and units, the catalog."""
    lines = [f"undefined step: {kind.capitalize()} {text}"]
    lines += [s.describe() for s in suggest(kind, text, registry=registry)]
    lines.append(f"  every step, with examples and units: {CATALOG_DOC}")
    return "\n".join(lines)


class UndefinedStepHint(Exception):
    """Stands in for the exception an undefined step does not have, so the report shows the hint (not an
    AssertionError: the scenario is broken, not failed)."""


def _registry_of(context):
    """The registry behave matched steps with (behave 1.3 keeps the runner's own, not the module global)."""
    runner = getattr(context, "_runner", None)
    registry = getattr(runner, "step_registry", None)
    if registry is None:
        from behave.step_registry import registry
    return registry


def after_scenario(context, scenario) -> None:
    """For each undefined step of the scenario: print the hint, attach it to the Allure result, and make it the
    scenario's status message (allure-behave reads it from the step's exception, which behave leaves empty)."""
    registry = _registry_of(context)
    for step in getattr(scenario, "all_steps", scenario.steps):
        if getattr(step.status, "name", "") != "undefined":
            continue
        text = hint(step.step_type, step.name, registry=registry)
        sys.__stderr__.write(f"\n  {step.location}: {text}\n")
        try:
            import allure

            allure.attach(text, name="did you mean", attachment_type=allure.attachment_type.TEXT)
        except Exception:  # noqa: BLE001 - the hint must never break the run
            pass
        if step.exception is None:
            step.exception = UndefinedStepHint(text)


def main(argv: list[str] | None = None) -> int:
    """``python -m steps.support.suggestions "When I submitt a market order"``: print the nearest steps."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(__doc__.split("\n\n")[0])
        print('usage: python -m steps.support.suggestions "Then it fills with slippage above 50 percent"')
        return 2
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    from behave.runner_util import load_step_modules
    from behave.step_registry import registry

    load_step_modules([str(root / "steps")])
    for line in args:
        keyword, _, text = line.strip().partition(" ")
        kind = keyword.lower() if keyword.lower() in KINDS else "given"
        print(hint(kind, text if keyword.lower() in KINDS else line.strip(), registry=registry))
    return 0


if __name__ == "__main__":
    sys.exit(main())
