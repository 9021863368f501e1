"""A scenario's price chart as SVG, drawn from its chart data (``chart_data``, schema ``mockbroker.price-chart/1``).

What the picture shows, over the scenario's own window (time from the scenario's start):
- grey boxes: the one-minute bars (range of mid prices and prints) overlapping the window;
- blue band and line: bid-ask and mid, sampled when the scene was set and after every step;
- per order: a dotted line when it was sent, its limit (solid) and stop (dashed) for as long as it worked, the
  arrival mid (x);
- each fill as a triangle at its price (up: buy, down: sell), labelled with shares and price;
- each bound a step asserted (slippage, fill price) as a shaded band: green when it held, red and hatched when it
  did not;
- the failure's first line as a red caption. The legend sits below the plot, never on the data.

Written by hand, not with matplotlib: a matplotlib figure costs 50-100 ms of CPU, and every order-placing
scenario has a chart (about a hundred a run), which would add more than half to `make report`; this costs well
under a millisecond a chart. Text stays text (searchable, and readable by the report's browser test).
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 960, 520
LEFT, RIGHT, TOP = 78, 24, 58
FONT = 'font-family="DejaVu Sans, Arial, Helvetica, sans-serif"'
BLUE, GREY, GREEN, RED = "#1f77b4", "#b8b8b8", "#2ca02c", "#d62728"
ORDER_COLOURS = ("#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f", "#17becf")
UNITS = ((2_000, 1.0, "ms"), (120_000, 1_000.0, "s"), (7_200_000, 60_000.0, "min"), (float("inf"), 3_600_000.0, "h"))


def _unit(end_ms: float) -> tuple[float, str]:
    return next((divisor, name) for limit, divisor, name in UNITS if end_ms < limit)


def nice_ticks(low: float, high: float, count: int = 6) -> tuple[list[float], int]:
    """Round tick values covering [low, high], and the decimals they need."""
    span = max(high - low, 1e-9)
    magnitude = 10 ** math.floor(math.log10(span / count))
    step = next(m * magnitude for m in (1, 2, 5, 10) if span / (m * magnitude) <= count)
    decimals = max(0, min(4, -math.floor(math.log10(step) + 1e-9)))
    first = math.ceil(low / step - 1e-9) * step
    ticks = [round(first + i * step, decimals + 2) for i in range(int((high - first) / step + 1e-9) + 1)]
    return ticks, decimals


def _y_range(spec: dict) -> tuple[float, float]:
    prices = [v for b in spec["bars"] for v in (b["low"], b["high"])]
    for q in spec["quotes"]:
        if q["mid"] is not None:
            half = q["mid"] * (q["spread_bps"] or 0) / 20_000
            prices += [q["mid"] - half, q["mid"] + half]
    for o in spec["orders"]:
        prices += [p for p in (o["limit"], o["stop"], o["arrival_mid"]) if p is not None]
    prices += [f["price"] for f in spec["fills"]] + [b["edge"] for b in spec["bands"]]
    low, high = (min(prices), max(prices)) if prices else (0.0, 1.0)
    pad = max((high - low) * 0.08, high * 0.0005, 0.01)
    return low - pad, high + pad


class _Canvas:
    """SVG elements in drawing order, and the legend's entries."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.legend: list[tuple[str, str, str]] = []  # (swatch kind, colour, words)

    def add(self, element: str) -> None:
        self.parts.append(element)

    def text(self, x: float, y: float, words: str, size: float = 11, colour: str = "#222", anchor: str = "start",
             extra: str = "") -> None:
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}" text-anchor="{anchor}" {FONT} '
                 f'{extra}>{escape(words)}</text>')

    def key(self, kind: str, colour: str, words: str) -> None:
        if words not in (w for _k, _c, w in self.legend):
            self.legend.append((kind, colour, words))


def render(spec: dict) -> bytes:
    divisor, unit = _unit(max(spec["end_ms"], 1.0))
    end = max(spec["end_ms"], 1.0) / divisor
    x_low, x_high = -end * 0.02, end * 1.04
    low, high = _y_range(spec)
    canvas = _Canvas()
    legend_rows = 0  # known once the plot is drawn; the plot's height leaves room for at most 5 rows
    bottom = HEIGHT - 58 - 5 * 17
    plot_w, plot_h = WIDTH - LEFT - RIGHT, bottom - TOP

    def px(ms: float) -> float:
        return LEFT + (ms / divisor - x_low) / (x_high - x_low) * plot_w

    def py(price: float) -> float:
        return bottom - (price - low) / (high - low) * plot_h

    # axes, grid and ticks
    for value, decimals in [(v, d) for ticks, d in [nice_ticks(low, high)] for v in ticks]:
        y = py(value)
        canvas.add(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#e6e6e6"/>')
        canvas.text(LEFT - 6, y + 4, f"{value:,.{decimals}f}", 10, "#444", "end")
    for value, decimals in [(v, d) for ticks, d in [nice_ticks(max(0.0, x_low), end)] for v in ticks]:
        x = LEFT + (value - x_low) / (x_high - x_low) * plot_w
        canvas.add(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom}" stroke="#e6e6e6"/>')
        canvas.text(x, bottom + 15, f"{value:,.{decimals}f}", 10, "#444", "middle")
    canvas.add('<g clip-path="url(#plot)">')

    for band in spec["bands"]:
        colour = GREEN if band["held"] else RED
        top, base = (band["edge"], low) if band["below"] else (high, band["edge"])
        x0, y0 = px(band["from_ms"]), py(top)
        fill = colour if band["held"] else "url(#hatch)"
        canvas.add(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{LEFT + plot_w - x0:.1f}" height="{py(base) - y0:.1f}" '
                   f'fill="{fill}" fill-opacity="{0.12 if band["held"] else 1}"/>')
        canvas.add(f'<line x1="{x0:.1f}" y1="{py(band["edge"]):.1f}" x2="{LEFT + plot_w}" y2="{py(band["edge"]):.1f}" '
                   f'stroke="{colour}" stroke-dasharray="6 3 1 3"/>')
        canvas.key("band-ok" if band["held"] else "band-bad", colour,
                   f"{band['label']} ({'held' if band['held'] else 'did not hold'})")

    for bar in spec["bars"]:
        x0, x1 = px(bar["t_ms"]), max(px(bar["t_end_ms"]), px(bar["t_ms"]) + 2)
        canvas.add(f'<rect x="{x0:.1f}" y="{py(bar["high"]):.1f}" width="{x1 - x0:.1f}" '
                   f'height="{max(py(bar["low"]) - py(bar["high"]), 1):.1f}" fill="{GREY}" fill-opacity="0.55" '
                   f'stroke="#8a8a8a" stroke-width="0.6"/>')
        canvas.key("box", GREY, "1-minute bars (range)")

    quotes = [q for q in spec["quotes"] if q["mid"] is not None]
    if quotes:
        first = next((q["spread_bps"] for q in quotes if q["spread_bps"] is not None), 0.0)
        points = [(q["t_ms"], q["mid"], first if q["spread_bps"] is None else q["spread_bps"]) for q in quotes]
        points.append((spec["end_ms"], points[-1][1], points[-1][2]))
        upper, lower, middle = [], [], []
        for (t, mid, spread), (t_next, _m, _s) in zip(points, points[1:] + [points[-1]]):
            half = mid * spread / 20_000
            upper += [(px(t), py(mid + half)), (px(t_next), py(mid + half))]
            lower += [(px(t), py(mid - half)), (px(t_next), py(mid - half))]
            middle += [(px(t), py(mid)), (px(t_next), py(mid))]
        outline = " ".join(f"{x:.1f},{y:.1f}" for x, y in upper + lower[::-1])
        canvas.add(f'<polygon points="{outline}" fill="{BLUE}" fill-opacity="0.18"/>')
        canvas.add(f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in middle)}" fill="none" '
                   f'stroke="{BLUE}" stroke-width="1.3"/>')
        canvas.key("box", BLUE, "bid-ask (after each step)")
        canvas.key("line", BLUE, "mid")

    for index, order in enumerate(spec["orders"]):
        colour = ORDER_COLOURS[index % len(ORDER_COLOURS)]
        x0 = px(order["submit_ms"])
        x1 = max(px(order["end_ms"]), x0 + 4)
        name = f"{order['label']} {order['essentials']} ({order['status'].replace('_', ' ')})"
        canvas.add(f'<line x1="{x0:.1f}" y1="{TOP}" x2="{x0:.1f}" y2="{bottom}" stroke="{colour}" '
                   f'stroke-dasharray="2 3"/>')
        words = [name]
        if order["limit"] is not None:
            canvas.add(f'<line x1="{x0:.1f}" y1="{py(order["limit"]):.1f}" x2="{x1:.1f}" y2="{py(order["limit"]):.1f}" '
                       f'stroke="{colour}" stroke-width="2"/>')
            words.append(f"limit ${order['limit']:,.2f}")
        if order["stop"] is not None:
            canvas.add(f'<line x1="{x0:.1f}" y1="{py(order["stop"]):.1f}" x2="{x1:.1f}" y2="{py(order["stop"]):.1f}" '
                       f'stroke="{colour}" stroke-width="1.8" stroke-dasharray="7 4"/>')
            words.append(f"stop ${order['stop']:,.2f}")
        if order["arrival_mid"] is not None:
            y = py(order["arrival_mid"])
            canvas.add(f'<path d="M{x0 - 5:.1f},{y - 5:.1f} L{x0 + 5:.1f},{y + 5:.1f} M{x0 - 5:.1f},{y + 5:.1f} '
                       f'L{x0 + 5:.1f},{y - 5:.1f}" stroke="{colour}" stroke-width="1.8"/>')
            words.append(f"arrival mid ${order['arrival_mid']:,.2f} (x)")
        canvas.key("order-stop" if order["stop"] is not None and order["limit"] is None else "line", colour,
                   ": ".join([words[0], ", ".join(words[1:])]) if len(words) > 1 else words[0])

    fills = spec["fills"]
    biggest = float(max((f["qty"] for f in fills), default=1))
    for count, fill in enumerate(fills):
        x, y = px(fill["t_ms"]), py(fill["price"])
        size = 6 + 6 * float(fill["qty"]) / biggest
        up = fill["side"] == "buy"
        tip, base = (y - size, y + size * 0.6) if up else (y + size, y - size * 0.6)
        canvas.add(f'<polygon points="{x:.1f},{tip:.1f} {x - size * 0.8:.1f},{base:.1f} {x + size * 0.8:.1f},{base:.1f}" '
                   f'fill="{GREEN if up else RED}" stroke="#222" stroke-width="0.6"/>')
        if count < 6:
            left = x > LEFT + plot_w * 0.75
            canvas.text(x - 9 if left else x + 9, y - 8, f"{fill['order']} {fill['qty']:,} @ ${fill['price']:,.2f}", 10,
                        anchor="end" if left else "start")
        canvas.key("buy" if up else "sell", GREEN if up else RED, f"{fill['side']} fills (size: shares)")
    canvas.add("</g>")

    # frame, words, legend
    canvas.add(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#444"/>')
    title = f"{spec['symbol']}: {spec['title']}"
    canvas.text(LEFT, TOP - 10, title if len(title) <= 120 else title[:117] + "...", 13, "#111")
    if spec.get("failed") and spec.get("failure"):
        caption = spec["failure"] if len(spec["failure"]) <= 150 else spec["failure"][:147] + "..."
        canvas.text(10, 18, f"FAILED: {caption}", 11, RED)
    canvas.text(LEFT + plot_w / 2, bottom + 34, f"{unit} after the scenario's start ({spec['start']})", 11,
                anchor="middle")
    canvas.text(18, TOP + plot_h / 2, "price ($)", 11, anchor="middle",
                extra=f'transform="rotate(-90 18 {TOP + plot_h / 2:.1f})"')
    row, column = 0, 0
    for kind, colour, words in canvas.legend:  # two columns; an entry too long for one takes a whole row
        wide = len(words) > 62
        if wide and column:
            row, column = row + 1, 0
        if row >= 5:
            break
        x, y = LEFT + column * (plot_w / 2), bottom + 56 + row * 17
        canvas.add(_swatch(kind, colour, x, y))
        canvas.text(x + 24, y + 4, words if len(words) <= 135 else words[:132] + "...", 10.5)
        legend_rows = row + 1
        row, column = (row + 1, 0) if wide or column else (row, 1)
    height = bottom + 56 + legend_rows * 17 + 6
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}">'
            f'<defs><clipPath id="plot"><rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/></clipPath>'
            f'<pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="8" height="8" fill="{RED}" fill-opacity="0.10"/>'
            f'<line x1="0" y1="0" x2="0" y2="8" stroke="{RED}" stroke-opacity="0.45" stroke-width="2"/></pattern></defs>'
            f'<rect width="{WIDTH}" height="{height}" fill="white"/>' + "".join(canvas.parts) + "</svg>\n"
            ).encode("utf-8")


def _swatch(kind: str, colour: str, x: float, y: float) -> str:
    if kind == "box":
        return f'<rect x="{x}" y="{y - 5}" width="18" height="10" fill="{colour}" fill-opacity="0.5"/>'
    if kind in ("band-ok", "band-bad"):
        fill = colour if kind == "band-ok" else "url(#hatch)"
        return (f'<rect x="{x}" y="{y - 5}" width="18" height="10" fill="{fill}" '
                f'fill-opacity="{0.3 if kind == "band-ok" else 1}" stroke="{colour}" stroke-width="0.6"/>')
    if kind in ("buy", "sell"):
        tip, base = (y - 6, y + 4) if kind == "buy" else (y + 6, y - 4)
        return f'<polygon points="{x + 9},{tip} {x + 3},{base} {x + 15},{base}" fill="{colour}" stroke="#222" ' \
               f'stroke-width="0.6"/>'
    dash = ' stroke-dasharray="7 4"' if kind == "order-stop" else ""
    return f'<line x1="{x}" y1="{y}" x2="{x + 18}" y2="{y}" stroke="{colour}" stroke-width="2"{dash}/>'
