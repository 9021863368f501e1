"""Properties of the core for any sequence of orders (hypothesis):
cash + cost basis + fees reconcile exactly; filled quantity never exceeds order quantity;
every status change an order goes through is allowed by the lifecycle."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockbroker import MockBroker, OrderRequest, OrderType, Side, TimeInForce
from mockbroker.errors import BrokerError
from mockbroker.execution.lifecycle import is_legal
from mockbroker.domain import OrderStatus

orders = st.fixed_dictionaries({
    "side": st.sampled_from(list(Side)),
    "qty": st.integers(1, 3_000),
    "type": st.sampled_from([OrderType.MARKET, OrderType.LIMIT, OrderType.STOP]),
    "tif": st.sampled_from(list(TimeInForce)),
    "offset_cents": st.integers(-50, 50),
    "then": st.sampled_from(["wait", "cancel", "replace", "nothing"]),
    "seconds": st.floats(0, 5),
})


def _submit(broker, spec):
    mid = broker.get_quote("ACME").mid
    price = (mid + Decimal(spec["offset_cents"]) / 100).quantize(Decimal("0.01"))
    fields = {}
    if spec["type"] is OrderType.LIMIT:
        fields["limit_price"] = price
    elif spec["type"] is OrderType.STOP:
        fields["stop_price"] = price
    return broker.submit_order(OrderRequest("ACME", spec["qty"], spec["side"], spec["type"], spec["tif"], **fields), "t")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(orders, min_size=1, max_size=12), st.integers(0, 2**32), st.floats(0.2, 1.0),
       st.sampled_from(["0", "0.005"]))
def test_any_order_sequence_reconciles(specs, seed, ratio, per_share):
    broker = (MockBroker.builder().seed(seed).account("t", cash=200_000)
              .execution(partial_fill_ratio=ratio, fees={"per_share": per_share, "min_per_order": "1"}).build())
    for spec in specs:
        try:
            order = _submit(broker, spec)
        except BrokerError:
            continue
        try:
            if spec["then"] == "cancel":
                broker.cancel_order(order.id, "t")
            elif spec["then"] == "replace":
                broker.replace_order(order.id, "t", qty=max(1, spec["qty"] // 2))
        except BrokerError:
            pass
        broker.advance(spec["seconds"])
    broker.advance(10)

    assert broker.reconciles(), "cash + cost basis must equal starting cash + realized P&L - fees"
    fills = broker.list_fills("t")
    account = broker.get_account("t")
    assert account.fees_paid == sum((f.fee for f in fills), Decimal(0)).quantize(Decimal("0.01"))
    net = sum(f.qty * f.side.sign for f in fills)
    assert net == sum(p.qty for p in broker.list_positions("t"))
    for order in broker.list_orders("t", status="all"):
        assert 0 <= order.filled_qty <= order.qty
        assert sum(f.qty for f in broker.list_fills("t", order.id)) == order.filled_qty

    history: dict[str, list[OrderStatus]] = {}
    for event in broker.order_events(account="t"):
        statuses = history.setdefault(event.order.id, [])
        if not statuses or statuses[-1] is not event.order.status:
            statuses.append(event.order.status)
    for order_id, statuses in history.items():
        for before, after in zip(statuses, statuses[1:]):
            assert is_legal(before, after), f"order {order_id}: {before.value} -> {after.value}"
