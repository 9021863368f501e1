"""Every problem of a scenario file at once, each with its path, before anything is built.

``load_scenario_file`` stops at the first problem (it builds as it checks). A person fixing a file wants the
whole list: ``scenario_problems(data, source)`` checks each part on its own (the top-level fields, each field
of ``marketConfig`` and ``executionConfig``, each symbol, each account, each event) and returns one line per
problem, such as ``choppy.yaml: marketConfig.volatility=-1: must be >= 0``. When the parts are sound, the
whole document is checked as ``parse_scenario`` checks it (cross-field rules, the model being buildable), so a
file with no problems here loads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import MARKET_MODELS, AccountConfig, BrokerConfig, ExecutionConfig, MarketConfig, SymbolConfig, _snake
from .documents import read_document
from .didyoumean import hint
from .errors import ConfigurationError

_SECTIONS = (("marketConfig", MarketConfig), ("executionConfig", ExecutionConfig))


def _section_problems(name: str, cls, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return [f"{name}={value!r}: must be an object"]
    known = {f for f in cls.__dataclass_fields__}
    problems, suspects = [], {}
    for key, item in value.items():
        if _snake(key) not in known:
            problems.append(f"{name}.{key}: unknown field{hint(_snake(key), known)} (known: {', '.join(sorted(known))})")
            continue
        if name == "marketConfig" and _snake(key) == "model" and item not in MARKET_MODELS:
            problems.append(f"marketConfig.model={item!r}: not a model{hint(str(item), MARKET_MODELS)} "
                            f"(models: {', '.join(MARKET_MODELS)})")
            continue
        try:
            cls.from_dict({key: item})
        except ConfigurationError as error:
            suspects[key] = error.message
    # A field that fails alone may fail only against a default (latencyMax below the default latencyMin): judge
    # each suspect beside the fields that are fine, so only its own problem is reported.
    fine = {k: v for k, v in value.items() if k not in suspects and _snake(k) in known
            and not (name == "marketConfig" and _snake(k) == "model" and v not in MARKET_MODELS)}
    for key in suspects:
        try:
            cls.from_dict({**fine, key: value[key]})
        except ConfigurationError as error:
            problems.append(error.message)
    if not problems:
        try:
            cls.from_dict(value)
        except ConfigurationError as error:
            problems.append(error.message)
    return problems


def _list_problems(name: str, items: Any, coerce) -> list[str]:
    if items is None:
        return []
    if not isinstance(items, list):
        return [f"{name}={items!r}: must be a list"]
    problems = []
    for i, item in enumerate(items):
        try:
            coerce(item)
        except ConfigurationError as error:
            message = error.message.replace(f"{name}[]", f"{name}[{i}]")
            problems.append(message if message.startswith(f"{name}[") else f"{name}[{i}]: {message}")
    return problems


def scenario_problems(data: Any, source: str = "scenario") -> list[str]:
    """One line per problem of a scenario document (the ``/mock/configure`` body plus name, description and
    events), each starting with ``source`` and the field's path; an empty list when it loads."""
    from .scenarios import _ALIASES, SCENARIO_FILE_FIELDS, parse_scenario

    if not isinstance(data, dict):
        return [f"{source}: must hold one object with the fields {', '.join(SCENARIO_FILE_FIELDS)}"]
    data = {_ALIASES.get(k, k): v for k, v in data.items()}
    problems = [f"{k}: unknown field{hint(k, SCENARIO_FILE_FIELDS)} (fields: {', '.join(SCENARIO_FILE_FIELDS)})"
                for k in sorted(set(data) - set(SCENARIO_FILE_FIELDS))]
    scenario = data.get("scenario")
    if scenario is not None:
        from .scenarios import SCENARIOS

        if scenario not in SCENARIOS:
            problems.append(f"scenario={scenario!r}: not a named scenario{hint(str(scenario), SCENARIOS)} "
                            f"(scenarios: {', '.join(SCENARIOS)})")
    for field_name in ("name", "description"):
        value = data.get(field_name)
        if value is not None and not isinstance(value, str):
            problems.append(f"{field_name}={value!r}: must be text")
    if "seed" in data:
        try:
            BrokerConfig(seed=data["seed"])
        except ConfigurationError as error:
            problems.append(error.message)
    for name, cls in _SECTIONS:
        problems += _section_problems(name, cls, data.get(name))
    problems += _list_problems("symbols", data.get("symbols"), SymbolConfig.coerce)
    problems += _list_problems("accounts", data.get("accounts"), AccountConfig.coerce)
    events = data.get("events")
    if events is not None and not isinstance(events, list):
        problems.append(f"events={events!r}: must be a list of events")
    elif events:
        from .market.events import parse_event

        symbols = data.get("symbols") if isinstance(data.get("symbols"), list) else ["ACME"]
        names = [s if isinstance(s, str) else s.get("symbol") if isinstance(s, dict) else None for s in symbols]
        for i, event in enumerate(events):
            try:
                parse_event(event, default_symbol=names[0] if len(names) == 1 else None)
            except ConfigurationError as error:
                problems.append(f"events[{i}]: {error.message}")
    if not problems:  # the parts are sound: the whole, as the loader checks it
        try:
            parse_scenario(data, source=source)
        except ConfigurationError as error:
            message = error.message
            problems.append(message[len(source) + 2:] if message.startswith(f"{source}: ") else message)
    return [f"{source}: {p}" for p in problems]


def scenario_file_problems(path: str | Path) -> list[str]:
    """``scenario_problems`` of a YAML or JSON file; a missing or unreadable file is one problem."""
    path = Path(path)
    if not path.exists():
        return [f"{path}: no such file"]
    if not path.is_file():
        return [f"{path}: not a file"]
    try:
        data = read_document(path, ConfigurationError)
    except ConfigurationError as error:
        return [error.message]
    except UnicodeDecodeError:
        return [f"{path}: not a text file (a scenario file is YAML or JSON)"]
    return scenario_problems(data, str(path))


def fixture_problems(data: Any, source: str = "fixture") -> list[str]:
    """One line per problem of a fixture document (docs/fixtures.md): each symbol, account, position and order
    is checked on its own, so a file with several mistakes shows them all; an empty list when it loads."""
    from .fixtures import FixtureError, from_dict

    def check(document: dict, where: str | None = None, index: str | None = None) -> list[str]:
        try:
            from_dict(document, source)
        except FixtureError as error:
            message = error.message
            if where is not None and index is not None:
                message = message.replace(where, index)
            return [message]
        return []

    if not isinstance(data, dict):
        return check(data)
    known = {"version", "description", "seed", "scenario", "marketConfig", "executionConfig", "symbols", "accounts",
             "advance_seconds"}
    problems = [f"{source}: {k}: unknown field{hint(k, known)} (known: {', '.join(sorted(known))})"
                for k in sorted(set(data) - known)]
    top = {k: v for k, v in data.items() if k in known and k not in ("symbols", "accounts")}
    problems += check(top)
    symbols = data.get("symbols")
    if isinstance(symbols, list):
        for i, item in enumerate(symbols):
            problems += check({"symbols": [item]}, "symbols[0]", f"symbols[{i}]")
    elif symbols is not None:
        problems += check({"symbols": symbols})
    sound_symbols = symbols if isinstance(symbols, list) and not any(p for p in problems if "symbols[" in p) else None
    accounts = data.get("accounts")
    if not isinstance(accounts, list):
        problems += check({"accounts": accounts}) if accounts is not None else []
    else:
        for i, account in enumerate(accounts):
            here = f"accounts[{i}]"
            if not isinstance(account, dict):
                problems += check({"accounts": [account]}, "accounts[0]", here)
                continue
            shell = {k: v for k, v in account.items() if k not in ("positions", "orders")}
            with_symbols = {} if sound_symbols is None else {"symbols": sound_symbols}
            found = check({**with_symbols, "accounts": [shell]}, "accounts[0]", here)
            problems += found
            if found:
                continue
            for part in ("positions", "orders"):
                items = account.get(part)
                if not isinstance(items, list):
                    problems += check({**with_symbols, "accounts": [{**shell, part: items}]}, "accounts[0]", here) \
                        if items is not None else []
                    continue
                for j, item in enumerate(items):
                    problems += check({**with_symbols, "accounts": [{**shell, part: [item]}]},
                                      f"accounts[0].{part}[0]", f"{here}.{part}[{j}]")
    if not problems:
        problems += check(data)
    return list(dict.fromkeys(problems))


def fixture_file_problems(name_or_path: str | Path) -> list[str]:
    """``fixture_problems`` of a fixture file (a path, or a name in tests/fixtures/)."""
    from .fixtures import FixtureError, resolve

    try:
        path = resolve(name_or_path)
        data = read_document(path, FixtureError)
    except FixtureError as error:
        return [error.message]
    except UnicodeDecodeError:
        return [f"{name_or_path}: not a text file (a fixture is YAML or JSON)"]
    return fixture_problems(data, str(name_or_path))
