"""Order groups: bracket, OCO and OTO orders, whose orders act on each other (Alpaca's "Understand Orders").

- **Bracket**: an entry, a take-profit (limit) and a stop-loss (stop or stop-limit) on the other side. The two exits
  are ``held`` by the broker, not at the venue, until the entry has completely filled (held, they commit none of
  the shares already held: those can still be sold or closed); while the entry fills in
  parts, the held exits follow its filled quantity (they close exactly what was bought). When the entry fills, both
  exits go to the venue (with latency, as any order). An entry that ends otherwise (canceled, expired, rejected)
  takes its exits with it: "if any one of the orders is canceled, any remaining open order in the group is
  canceled".
- **OCO**: a take-profit limit order (the parent) and a stop-loss (its leg) that exit an existing position; both
  work at once.
- **OTO**: an entry and one exit, held until the entry fills.
- Once one exit has **filled**, the broker cancels the other; that cancel travels to the venue with latency like any
  cancel, so in a fast market both may fill before it lands (Alpaca says so too). An exit that fills **in part**
  shrinks the other to what remains. An exit that is canceled, expires or is rejected cancels the other.
- A leg's price may be replaced (PATCH): the new order takes its place in the group when the replace lands (at
  once for a held leg, which is not at the venue).

An ``OrderGroup`` holds its orders and is called by the engine after every fill and every end of one of them. It is
a plain slotted object (no closures), so brokers holding groups still copy and pickle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domain import EVENT, STATUS, OrderClass

ENTRY, TAKE_PROFIT, STOP_LOSS = "entry", "take_profit", "stop_loss"


@dataclass(slots=True, eq=False)
class OrderGroup:
    order_class: OrderClass
    members: dict = field(default_factory=dict)
    """role -> the WorkingOrder playing it now (entry, take_profit, stop_loss)."""
    roles: dict = field(default_factory=dict)
    """order id -> role, for every order that ever played one (replaced orders keep theirs)."""
    held: set = field(default_factory=set)
    """Ids of exits held by the broker until the entry fills: they commit none of the shares held yet."""

    def add(self, role: str, order) -> None:
        self.members[role] = order
        self.roles[order.id] = role
        order.group = self

    def expect(self, role: str, order) -> None:
        """``order`` will take over ``role`` when it replaces the current one (a replace on its way)."""
        self.roles[order.id] = role
        order.group = self

    def role_of(self, order) -> str | None:
        return self.roles.get(order.id)

    def counts(self, order) -> bool:
        """Whether ``order`` counts as an open sell of the position: an exit held until its entry fills does not (it
        closes shares the entry has yet to buy, not the shares held now); of two active exits only one does (they
        close the same shares: Alpaca "recognizes the entry and exit orders as a group")."""
        if order.id in self.held:
            return False
        return self.roles.get(order.id) != STOP_LOSS or TAKE_PROFIT not in self.roles.values()

    def _current(self, order) -> str | None:
        role = self.roles.get(order.id)
        return role if role is not None and self.members.get(role) is order else None

    def _exits(self) -> list:
        return [self.members[r] for r in (TAKE_PROFIT, STOP_LOSS) if r in self.members]

    # --- the engine's calls ---------------------------------------------------------------------------------------
    def on_fill(self, engine, order) -> None:
        role = self._current(order)
        if role == ENTRY:
            for leg in self._exits():  # held exits follow what the entry has bought (or sold)
                if leg.status is STATUS.HELD:
                    engine.set_qty(leg, order.filled_qty)
        elif role is not None:
            other = self.members.get(STOP_LOSS if role == TAKE_PROFIT else TAKE_PROFIT)
            if other is not None and other.status.is_open and order.filled_qty < order.qty:
                left = order.qty - order.filled_qty  # the other exit closes only what is left
                if other.qty - other.filled_qty > left:
                    engine.set_qty(other, other.filled_qty + left)

    def on_finish(self, engine, order) -> None:
        role = self._current(order)
        if role is None:
            return  # a replacement that never took its place, or an order this group no longer has
        status = order.status
        if status is STATUS.REPLACED:
            new = engine.orders.get(order.replaced_by)
            if new is not None:
                self.add(role, new)
                parent = self._parent()
                if parent is not None and role != self._parent_role():
                    parent.legs = tuple(self.members[r].id for r in (TAKE_PROFIT, STOP_LOSS) if r in self.members)
                elif role == self._parent_role():
                    for leg in self._exits():
                        if leg is not new:
                            leg.parent_id = new.id
            return
        if role == ENTRY:
            if status is STATUS.FILLED:
                for leg in self._exits():
                    if leg.status is STATUS.HELD:
                        engine.set_qty(leg, order.filled_qty)
                        engine.activate(leg)
            else:
                self._cancel_rest(engine, order)
            return
        self._cancel_rest(engine, order)

    def _cancel_rest(self, engine, done) -> None:
        for other in self.members.values():
            if other is done or not other.status.is_open:
                continue
            if other.status is STATUS.PENDING_CANCEL:
                continue
            if other.status is STATUS.HELD and not other.in_flight:
                engine._finish(other, STATUS.CANCELED, EVENT.CANCELED, None)
            elif other.status is not STATUS.PENDING_REPLACE:
                engine.request_cancel(other)

    def _parent_role(self) -> str:
        return TAKE_PROFIT if self.order_class is OrderClass.OCO else ENTRY

    def _parent(self):
        return self.members.get(self._parent_role())
