"""Every word a step captures is used, and the vocabulary reads well from every actor.

- A step function that captures a word and never uses it is a defect: "When alice cancels the order" once
  cancelled bob's order because the step ignored its actor. The AST check below fails on any such parameter.
- Every step written for a named account ("alice cancels", "alice's cash") also reads in the first person
  ("I cancel", "my cash"), since "I" is the account of a one-account scenario.
- Every example in the catalog is run by its own step and no other (an example another step would catch first
  would make the catalog lie).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STEPS = ROOT / "steps"
DECORATORS = {"given", "when", "then", "step"}


def _step_functions():
    for path in sorted(STEPS.glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Call) and getattr(d.func, "id", None) in DECORATORS for d in node.decorator_list):
                yield path, node


def _unused_parameters(function: ast.FunctionDef) -> list[str]:
    parameters = [a.arg for a in function.args.posonlyargs + function.args.args + function.args.kwonlyargs]
    used = {n.id for statement in function.body for n in ast.walk(statement) if isinstance(n, ast.Name)}
    return [p for p in parameters if p not in used]


def test_the_step_functions_are_found():
    assert len(list(_step_functions())) > 150


def test_no_step_function_ignores_a_word_it_captures():
    offenders = [f"{path.name}:{function.lineno} {function.name}({', '.join(unused)})"
                 for path, function in _step_functions() if (unused := _unused_parameters(function))]
    assert not offenders, ("these step functions capture words they never use (a feature would mean something "
                           "the step does not do):\n  " + "\n  ".join(offenders))


def test_the_check_catches_an_ignored_actor():
    source = ('@when("{actor:Actor} cancels the order")\n'
              'def step_cancels(context, actor):\n    tasks.cancel(context.desk)\n')
    function = ast.parse(source).body[0]
    assert _unused_parameters(function) == ["actor"]


# -- the registry: I forms and unambiguous examples ---------------------------------------------------------------

@pytest.fixture(scope="module")
def registry():
    import sys

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from behave.runner_util import load_step_modules
    from behave.step_registry import registry as behave_registry

    behave_registry.clear()
    load_step_modules([str(STEPS)])
    return behave_registry


def _examples(registry):
    seen = {}
    for step_type in ("given", "when", "then"):
        for matcher in registry.steps[step_type]:
            doc = " ".join((matcher.func.__doc__ or "").split())
            if "Example: " in doc:
                seen[matcher.func] = doc.split("Example: ", 1)[1].strip()
    return seen


def _matches(registry, keyword: str, text: str) -> list:
    step_type = {"Given": "given", "When": "when", "Then": "then"}[keyword]
    return [m for m in registry.steps[step_type] if m.match(text)]


_IRREGULAR = {"has": "have", "is": "am", "does": "do", "goes": "go"}


def _first_person(text: str) -> str | None:
    """'alice cancels the order' -> 'I cancel the order'; "alice's cash ..." -> 'my cash ...'; else None."""
    m = re.match(r"(alice|bob|carol)('s)? (\S+)(.*)", text)
    if m is None:
        return None
    _name, possessive, word, rest = m.groups()
    if possessive:
        return f"my {word}{rest}"
    if word in _IRREGULAR:
        verb = _IRREGULAR[word]
    elif re.search(r"(ch|sh|ss|x)es$", word):
        verb = word[:-2]
    elif word.endswith("ies"):
        verb = word[:-3] + "y"
    elif word.endswith("s"):
        verb = word[:-1]
    else:
        return None
    return f"I {verb}{rest}"


def test_every_actor_step_also_reads_in_the_first_person(registry):
    missing = []
    for func, example in _examples(registry).items():
        keyword, _, text = example.partition(" ")
        mine = _first_person(text)
        if mine is not None and not _matches(registry, keyword, mine):
            missing.append(f"{func.__name__}: {keyword} {mine}")
    assert not missing, "no first-person form for:\n  " + "\n  ".join(missing)


def test_every_example_is_caught_by_its_own_step_first(registry):
    wrong = []
    for func, example in _examples(registry).items():
        keyword, _, text = example.partition(" ")
        caught = _matches(registry, keyword, text)
        if caught and caught[0].func is not func:
            wrong.append(f"{example!r} is meant for {func.__name__} but {caught[0].func.__name__} catches it")
    assert not wrong, "\n".join(wrong)
