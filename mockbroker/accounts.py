"""The multi-account ledger: cash, reservations, positions (average cost), realized P&L and fees.

Rules (the reconciliation identity, checked by property tests):
    starting cash + opening basis + realized P&L + dividends - fees  ==  cash + sum of open positions' cost basis
  (``opening basis``: the cost of the positions an account was set up with, granted rather than bought)
- A buy fill takes ``qty x price`` and the fee from cash; a sell fill adds ``qty x price`` and takes the fee.
- Positions use average cost. Closing (part of) a position removes the matching share of its cost basis
  (rounded to ``MONEY`` places) and books the difference to realized P&L, so the identity holds exactly.
- Buying power = cash + short market value (shorts are collateralised by the cash they raised) - what open
  orders have reserved. Orders reserve an estimate of their cost when accepted and release it as they fill or end.
- Corporate actions: a split multiplies each position's shares by the ratio and keeps its cost basis (the average
  price divides); a fraction of a share is paid out in cash at the post-split price, booked like a sale of that
  fraction (realized P&L). A cash dividend pays ``shares x amount`` into cash (a short pays it) and is counted
  in ``dividends``.
"""

from __future__ import annotations

from fractions import Fraction
from dataclasses import dataclass, field
from decimal import Decimal

from .config import AccountConfig
from .domain import Account, Fill, Position, Side, canonical_qty
from .errors import UnknownAccount

MONEY = Decimal("0.000001")
CENTS = Decimal("0.01")
ZERO = Decimal("0")


@dataclass
class PositionState:
    qty: int | Decimal = 0  # whole shares as an int; fractional shares as a Decimal (exact)
    cost_basis: Decimal = ZERO
    realized_pl: Decimal = ZERO

    def avg_price(self) -> Decimal:
        return (self.cost_basis / self.qty).quantize(MONEY) if self.qty else ZERO


@dataclass
class AccountState:
    id: str
    starting_cash: Decimal
    cash: Decimal
    shorting_enabled: bool = True
    positions: dict[str, PositionState] = field(default_factory=dict)
    reserved: dict[str, Decimal] = field(default_factory=dict)  # order id -> cash reserved
    reserved_total: Decimal = ZERO  # sum of ``reserved``, kept as it changes (buying power is checked per order)
    realized_pl: Decimal = ZERO
    fees_paid: Decimal = ZERO
    dividends: Decimal = ZERO
    opening_basis: Decimal = ZERO
    # account configurations (Alpaca's GET/PATCH /v2/account/configurations); no_shorting is ``not shorting_enabled``
    fractional_trading: bool = True
    suspend_trade: bool = False
    dtbp_check: str = "entry"
    pdt_check: str = "entry"
    trade_confirm_email: str = "all"
    ptp_no_exception_entry: bool = False
    history: list = field(default_factory=list)
    """(time ns, kind, symbol, qty, cash, price) of every change that is not a fill, for the account activities:
    dividends (DIV: shares held, cash paid, per share) and splits (SPLIT: shares added, cash paid for a fraction of
    a share, the price after)."""


class Ledger:
    def __init__(self) -> None:
        self.accounts: dict[str, AccountState] = {}

    def open(self, config: AccountConfig, prices: dict[str, Decimal] | None = None) -> AccountState:
        """Open an account with its cash and the positions it starts with (at ``avg_price``, else ``prices``)."""
        state = AccountState(config.id, config.cash, config.cash, config.shorting_enabled)
        for opening in config.positions:
            price = Decimal(opening["avg_price"]) if opening["avg_price"] else (prices or {})[opening["symbol"]]
            pos = state.positions.setdefault(opening["symbol"], PositionState())
            pos.qty += opening["qty"]
            pos.cost_basis += price * opening["qty"]
            state.opening_basis += price * opening["qty"]
        self.accounts[config.id] = state
        return state

    def __getitem__(self, account_id: str) -> AccountState:
        try:
            return self.accounts[account_id]
        except KeyError:
            raise UnknownAccount(
                f"account {account_id!r} does not exist (accounts: {', '.join(sorted(self.accounts)) or 'none'})",
                account=account_id) from None

    # --- reservations -------------------------------------------------------------------------------------------
    def buying_power(self, account_id: str, marks: dict[str, Decimal]) -> Decimal:
        acct = self.accounts.get(account_id) or self[account_id]
        short_value = ZERO
        for symbol, pos in acct.positions.items():
            if pos.qty < 0:
                mark = marks.get(symbol)
                short_value += pos.qty * (mark if mark is not None else pos.avg_price())
        return acct.cash + short_value - acct.reserved_total

    def reserve(self, account_id: str, order_id: str, amount: Decimal) -> None:
        acct = self.accounts.get(account_id) or self[account_id]
        if amount < ZERO:
            amount = ZERO
        held = acct.reserved.get(order_id)
        acct.reserved_total += amount if held is None else amount - held
        acct.reserved[order_id] = amount

    def release(self, account_id: str, order_id: str, amount: Decimal | None = None) -> None:
        acct = self.accounts.get(account_id) or self[account_id]
        reserved = acct.reserved
        held = reserved.get(order_id)
        if held is None:
            return
        if amount is None or amount >= held:
            del reserved[order_id]
            acct.reserved_total -= held
            if not reserved:
                acct.reserved_total = ZERO  # no rounding dust left behind
        else:
            reserved[order_id] = held - amount
            acct.reserved_total -= amount

    # --- fills ----------------------------------------------------------------------------------------------------
    def apply_fill(self, fill: Fill) -> None:
        self.apply_trade(fill.account_id, fill.symbol, fill.side is Side.BUY, fill.qty, fill.price,
                         fill.price * fill.qty, fill.fee)

    def apply_trade(self, account_id: str, symbol: str, buying: bool, qty: int, price: Decimal, notional: Decimal,
                    fee: Decimal) -> None:
        """Book a fill of ``qty`` at ``price`` (``notional`` = qty x price) and its ``fee``."""
        acct = self.accounts.get(account_id) or self[account_id]
        signed = qty if buying else -qty
        if buying:
            acct.cash -= notional
        else:
            acct.cash += notional
        if fee:
            acct.cash -= fee
            acct.fees_paid += fee
        pos = acct.positions.get(symbol)
        if pos is None:
            pos = acct.positions[symbol] = PositionState()
        if pos.qty == 0 or (pos.qty > 0) == buying:
            pos.qty += signed
            pos.cost_basis += notional if buying else -notional
        else:
            held = pos.qty if pos.qty > 0 else -pos.qty
            closing = qty if qty < held else held
            if closing == held:  # the whole position: all its basis goes (exact, no division)
                removed = pos.cost_basis
            else:
                removed = (pos.cost_basis * closing / held).quantize(MONEY)
            # A long's basis is what it cost; a short's is minus what it raised (both signed like the position).
            proceeds = price * closing
            realized = proceeds - removed if pos.qty > 0 else -removed - proceeds
            pos.cost_basis -= removed
            pos.qty += closing if buying else -closing
            pos.realized_pl += realized
            acct.realized_pl += realized
            opening = qty - closing
            if opening:
                pos.qty += opening if buying else -opening
                pos.cost_basis += price * opening * (1 if buying else -1)
        if pos.qty.__class__ is not int:  # fractional shares: one form per quantity (0.5 + 0.5 is the int 1)
            pos.qty = canonical_qty(pos.qty)
        if pos.qty == 0:
            pos.cost_basis = ZERO

    # --- corporate actions ----------------------------------------------------------------------------------------
    def apply_split(self, symbol: str, ratio: Decimal | float | str, price_after: Decimal, now_ns: int = 0) -> None:
        """Every account's ``symbol`` position times ``ratio``; fractions of a share go to cash at ``price_after``."""
        exact = Fraction(str(ratio))
        for acct in self.accounts.values():
            pos = acct.positions.get(symbol)
            if pos is None or pos.qty == 0:
                continue
            before = pos.qty
            if pos.qty.__class__ is not int:  # fractional shares stay fractional: no cash-out, the basis is kept
                pos.qty = canonical_qty(pos.qty * Decimal(exact.numerator) / Decimal(exact.denominator))
                acct.history.append((now_ns, "SPLIT", symbol, pos.qty - before, ZERO, price_after))
                continue
            scaled = pos.qty * exact
            whole = int(scaled)  # toward zero: a long keeps the whole shares, a short owes the whole shares
            fraction = scaled - whole
            if fraction:
                part = Decimal(fraction.numerator) / Decimal(fraction.denominator)
                cash = (part * price_after).quantize(MONEY)
                removed = (pos.cost_basis * part / (Decimal(scaled.numerator) / Decimal(scaled.denominator))
                           ).quantize(MONEY)
                acct.cash += cash
                pos.cost_basis -= removed
                pos.realized_pl += cash - removed
                acct.realized_pl += cash - removed
            pos.qty = whole
            # the activity: the shares the split added (or took), and the cash paid for a fraction of a share
            acct.history.append((now_ns, "SPLIT", symbol, whole - before, cash if fraction else ZERO, price_after))
            if pos.qty == 0:
                pos.cost_basis = ZERO

    def pay_dividend(self, symbol: str, amount_per_share: Decimal, now_ns: int = 0) -> None:
        """Every holder of ``symbol`` receives ``amount_per_share`` a share in cash; a short pays it."""
        for acct in self.accounts.values():
            pos = acct.positions.get(symbol)
            if pos is None or pos.qty == 0:
                continue
            paid = (amount_per_share * pos.qty).quantize(MONEY)
            acct.cash += paid
            acct.dividends += paid
            acct.history.append((now_ns, "DIV", symbol, pos.qty, paid, amount_per_share))

    # --- views ----------------------------------------------------------------------------------------------------
    def position_view(self, account_id: str, symbol: str, mark: Decimal) -> Position | None:
        pos = self[account_id].positions.get(symbol)
        if pos is None or pos.qty == 0:
            return None
        market_value = (mark * pos.qty).quantize(Decimal("0.01"))
        return Position(account_id, symbol, pos.qty, pos.avg_price(), pos.cost_basis.quantize(Decimal("0.01")), mark,
                        market_value, (mark * pos.qty - pos.cost_basis).quantize(Decimal("0.01")),
                        pos.realized_pl.quantize(Decimal("0.01")))

    def equity(self, account_id: str, marks) -> Decimal:
        """``account_view(...).equity`` without the rest of the view: cash + long value + short value, to the cent
        (summed in the same order, so the same Decimal). ``marks.get(symbol)`` is asked only for positions held,
        and a position without a mark is marked at its average price."""
        acct = self[account_id]
        long_value = short_value = ZERO
        for symbol, pos in acct.positions.items():
            if pos.qty == 0:
                continue
            mark = marks.get(symbol)
            value = (pos.avg_price() if mark is None else mark) * pos.qty
            if pos.qty > 0:
                long_value += value
            else:
                short_value += value
        return (acct.cash + long_value + short_value).quantize(CENTS)

    def account_view(self, account_id: str, marks: dict[str, Decimal]) -> Account:
        acct = self[account_id]
        long_value = short_value = unrealized = ZERO
        for symbol, pos in acct.positions.items():
            if pos.qty == 0:
                continue
            mark = marks.get(symbol, pos.avg_price())
            value = mark * pos.qty
            unrealized += value - pos.cost_basis
            if pos.qty > 0:
                long_value += value
            else:
                short_value += value
        cents = Decimal("0.01")
        return Account(acct.id, acct.cash.quantize(cents), self.buying_power(account_id, marks).quantize(cents),
                       (acct.cash + long_value + short_value).quantize(cents), long_value.quantize(cents),
                       short_value.quantize(cents), acct.realized_pl.quantize(cents), unrealized.quantize(cents),
                       acct.fees_paid.quantize(cents), acct.shorting_enabled)

    def reconciles(self, account_id: str) -> bool:
        """The identity in the module docstring, exactly."""
        acct = self[account_id]
        basis = sum((p.cost_basis for p in acct.positions.values()), ZERO)
        return (acct.starting_cash + acct.opening_basis + acct.realized_pl + acct.dividends - acct.fees_paid
                == acct.cash + basis)
