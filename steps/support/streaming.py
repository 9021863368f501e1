"""Tasks and questions for streams and faults: what a client watching the streams sees, what failed and why.

Only the ``SimulationControl`` protocol is used (``open_stream``, ``fault_rules``, ``inject``), so the same steps
run in process and over HTTP/WebSocket. The desk keeps, per scenario:
- ``streams``: the open subscriptions by name ("market data", "order updates"), closed after the scenario;
- ``failures``: the typed errors the actor's requests met, oldest first, and ``attempts`` of the last retried task.

Fault rules are Given steps: they are injected when the scene is set, after accounts and opening positions, so
setting the scene never trips over them.
"""

from __future__ import annotations

from mockbroker.domain import OrderRequest
from mockbroker.errors import BrokerError

from .desk import Desk, PlacedOrder

MARKET_DATA = "market data"
ORDER_UPDATES = "order updates"


def _state(desk: Desk) -> dict:
    extra = desk.__dict__.setdefault("_streaming", {"streams": {}, "failures": [], "attempts": 0,
                                                    "stream_refusal": None})
    return extra


def add_rule(desk: Desk, **rule) -> None:
    """A fault rule, injected when the scene is set."""
    desk.scene.add_event({"type": "fault", **rule})


def set_stream_limits(desk: Desk, **limits) -> None:
    desk.scene.add_event({"type": "stream_limits", **limits})


def watch(desk: Desk, actor: str, name: str, owner: str | None = None, **channels) -> None:
    """Open a stream for the actor; a refusal (bad keys, limits) is kept for a Then step. ``owner``, when given,
    is whose stream the feature asked for: it must be the actor's own (a client sees only its account)."""
    desk.ready()
    account = desk.account_of(actor)
    if owner is not None and desk.scene.resolve_actor(owner) != account:
        raise AssertionError(f"{account} cannot watch {owner}'s order updates: the order update stream shows only "
                             f"the account's own orders (write 'When {owner} watches their order updates')")
    stream = "market_data" if name == MARKET_DATA else "trade_updates"
    try:
        opened = desk.broker.open_stream(stream, account, **channels)
    except BrokerError as refusal:
        _state(desk)["stream_refusal"] = refusal
        return
    streams = _state(desk)["streams"]
    key = name if name not in streams else f"{name} {len(streams) + 1}"
    streams[key] = opened


def stream(desk: Desk, name: str):
    streams = _state(desk)["streams"]
    if name not in streams:
        raise AssertionError(f"nobody watches the {name} stream in this scenario (watched: "
                             f"{', '.join(streams) or 'nothing'}): add a When step that watches it")
    return streams[name]


def received(desk: Desk, name: str) -> list:
    return stream(desk, name).messages()


def stream_refusal(desk: Desk) -> BrokerError | None:
    return _state(desk)["stream_refusal"]


def close_all(desk: Desk) -> None:
    for opened in _state(desk)["streams"].values():
        try:
            opened.close()
        except Exception:  # noqa: BLE001 - closing after the scenario must not fail it
            pass


def attempt(desk: Desk, call) -> object | None:
    """Make one request; a typed failure is recorded (not raised) for a Then step."""
    try:
        return call()
    except BrokerError as failure:
        _state(desk)["failures"].append(failure)
        return None


def try_to_place(desk: Desk, actor: str, request: OrderRequest) -> None:
    """Send the order once, without waiting for the venue; an accepted order becomes "the order", a failure is
    noted (not raised) for a Then step."""
    desk.ready()
    account = desk.account_of(actor)
    order = attempt(desk, lambda: desk.broker.submit_order(request, account=account))
    if order is not None:
        desk.refusal = desk.refused_request = None
        desk.orders.append(PlacedOrder(account, order.id, request))


def failures(desk: Desk) -> list[BrokerError]:
    return _state(desk)["failures"]


def place_with_retries(desk: Desk, actor: str, request: OrderRequest, tries: int = 5) -> None:
    """Send the order as a careful client does: on a connection error, timeout or 5xx, try again (up to ``tries``
    times), then wait in simulated time until the venue has processed it."""
    desk.ready()
    account = desk.account_of(actor)
    state = _state(desk)
    state["attempts"] = 0
    for _ in range(tries):
        state["attempts"] += 1
        order = attempt(desk, lambda: desk.broker.submit_order(request, account=account))
        if order is not None:
            desk.orders.append(PlacedOrder(account, order.id, request))
            desk.broker.settle_order(order.id, account=account)
            return
    raise AssertionError(f"the order was still failing after {tries} attempts: "
                         f"{'; '.join(str(f) for f in failures(desk)[-tries:])}")


def attempts(desk: Desk) -> int:
    return _state(desk)["attempts"]


def rule(desk: Desk, name: str) -> dict:
    rules = desk.ready().broker.fault_rules()
    for r in rules:
        if r["name"] == name:
            return r
    raise AssertionError(f'no fault rule "{name}" (rules: {", ".join(r["name"] for r in rules) or "none"})')
