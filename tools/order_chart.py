"""Draw a scenario's price chart (SVG, or PNG) from its chart data (``steps/support/chart_data.py``, schema
``mockbroker.price-chart/1``).

What the picture shows, over the scenario's own window (time from the scenario's start):
- grey boxes: the one-minute bars (range of mid prices and prints) overlapping the window;
- blue band and line: bid-ask and mid, sampled when the scene was set and after every step;
- per order: a dotted line when it was sent, its limit (solid) and stop (dashed) for as long as it worked, the
  arrival mid (x);
- each fill as a triangle at its price (up: buy, down: sell), labelled with shares and price;
- each bound a step asserted (slippage, fill price) as a shaded band: green when it held, red when it did not.
The legend sits below the plot, never on the data.
"""

from __future__ import annotations

import io

UNITS = ((2_000, 1.0, "ms"), (120_000, 1_000.0, "s"), (7_200_000, 60_000.0, "min"), (float("inf"), 3_600_000.0, "h"))
COLOURS = ("tab:purple", "tab:orange", "tab:brown", "tab:pink", "tab:olive", "tab:cyan")


def _plain(text: str) -> str:
    """Text shown as written: a "$" would start matplotlib's mathtext."""
    return text.replace("$", r"\$")


def _unit(end_ms: float) -> tuple[float, str]:
    for limit, divisor, name in UNITS:
        if end_ms < limit:
            return divisor, name
    return 1.0, "ms"


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


def render(spec: dict, kind: str = "svg") -> bytes:
    """The chart as SVG (default: text kept as text, about half the drawing time of a PNG) or PNG."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["svg.hashsalt"] = "mockbroker"  # the same chart gives the same bytes
    from matplotlib.figure import Figure

    divisor, unit = _unit(max(spec["end_ms"], 1.0))
    x = lambda ms: ms / divisor  # noqa: E731
    end = x(max(spec["end_ms"], 1.0))
    low, high = _y_range(spec)

    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(10, 5.2), dpi=80)
    ax = figure.subplots()
    # few ticks: each tick label is a text to lay out, the bulk of a chart's drawing time
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.yaxis.set_major_locator(MaxNLocator(6))
    ax.set_xlim(-end * 0.02, end * 1.04)
    ax.set_ylim(low, high)

    bars = spec["bars"]
    if bars:
        ax.bar([x(b["t_ms"]) for b in bars], [b["high"] - b["low"] for b in bars],
               width=[max(x(b["t_end_ms"] - b["t_ms"]), end * 0.004) for b in bars], bottom=[b["low"] for b in bars],
               align="edge", color="0.82", edgecolor="0.6", linewidth=0.5, label="1-minute bars (range)")
    quotes = [q for q in spec["quotes"] if q["mid"] is not None]
    if quotes:
        spreads = [q["spread_bps"] for q in quotes]
        first = next((s for s in spreads if s is not None), 0.0)
        spreads = [first if s is None else s for s in spreads]
        times = [x(q["t_ms"]) for q in quotes] + [end]
        mids = [q["mid"] for q in quotes] + [quotes[-1]["mid"]]
        spreads.append(spreads[-1])
        bids = [m * (1 - s / 20_000) for m, s in zip(mids, spreads)]
        asks = [m * (1 + s / 20_000) for m, s in zip(mids, spreads)]
        ax.fill_between(times, bids, asks, step="post", color="tab:blue", alpha=0.18, label="bid-ask (after each step)")
        ax.step(times, mids, where="post", color="tab:blue", linewidth=1.0, label="mid")

    for index, order in enumerate(spec["orders"]):
        colour = COLOURS[index % len(COLOURS)]
        start, stop = x(order["submit_ms"]), max(x(order["end_ms"]), x(order["submit_ms"]) + end * 0.01)
        ax.axvline(start, color=colour, linestyle=":", linewidth=1.0)
        name = f"{order['label']} {order['essentials']} ({order['status'].replace('_', ' ')})"
        if order["limit"] is not None:
            ax.hlines(order["limit"], start, stop, colors=colour, linewidth=1.6, label=_plain(f"{name}: limit ${order['limit']:,.2f}"))
            name = None
        if order["stop"] is not None:
            ax.hlines(order["stop"], start, stop, colors=colour, linestyles="--", linewidth=1.4,
                      label=_plain(f"{name or order['label']}: stop ${order['stop']:,.2f}"))
            name = None
        if order["arrival_mid"] is not None:
            ax.plot([start], [order["arrival_mid"]], marker="x", color=colour, markersize=8, linestyle="none",
                    label=_plain(f"{name + ': ' if name else order['label'] + ' '}arrival mid ${order['arrival_mid']:,.2f}"))

    fills = spec["fills"]
    if fills:
        biggest = max(f["qty"] for f in fills)
        for side, marker, colour in (("buy", "^", "tab:green"), ("sell", "v", "tab:red")):
            mine = [f for f in fills if f["side"] == side]
            if mine:
                ax.scatter([x(f["t_ms"]) for f in mine], [f["price"] for f in mine], marker=marker, color=colour,
                           s=[40 + 120 * f["qty"] / biggest for f in mine], zorder=5, edgecolors="black",
                           linewidths=0.5, label=f"{side} fills")
        for f in fills[:6]:
            left = x(f["t_ms"]) > end * 0.75  # near the right edge the label goes to the left of its marker
            ax.annotate(_plain(f"{f['order']} {f['qty']:,} @ ${f['price']:,.2f}"), (x(f["t_ms"]), f["price"]),
                        textcoords="offset points", xytext=(-8 if left else 8, 6), fontsize=7,
                        ha="right" if left else "left")

    for band in spec["bands"]:
        colour = "tab:green" if band["held"] else "tab:red"
        top, bottom = (band["edge"], low) if band["below"] else (high, band["edge"])
        ax.fill_between([x(band["from_ms"]), end * 1.04], [bottom, bottom], [top, top], color=colour, alpha=0.10,
                        hatch="//" if not band["held"] else None, edgecolor=colour, linewidth=0.0,
                        label=_plain(f"{band['label']} ({'held' if band['held'] else 'did not hold'})"))
        ax.axhline(band["edge"], color=colour, linewidth=0.8, linestyle="-.")

    ax.set_xlabel(f"{unit} after the scenario's start ({spec['start']})")
    ax.set_ylabel("price ($)")
    ax.grid(True, linewidth=0.3, alpha=0.5)
    title = f"{spec['symbol']}: {spec['title']}"
    ax.set_title(_plain(title if len(title) <= 110 else title[:107] + "..."), fontsize=10, loc="left")
    if spec.get("failed") and spec.get("failure"):
        caption = spec["failure"]
        caption = caption if len(caption) <= 150 else caption[:147] + "..."
        figure.text(0.01, 0.975, _plain(f"FAILED: {caption}"), fontsize=7.5, color="tab:red", va="top")
    handles, labels = ax.get_legend_handles_labels()
    rows = max(1, (len(labels) + 1) // 2)
    figure.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.1 + 0.036 * rows)
    if handles:
        figure.legend(handles, labels, loc="lower left", ncol=2, fontsize=7.5, frameon=False,
                      bbox_to_anchor=(0.06, 0.0))
    buffer = io.BytesIO()
    if kind == "png":
        figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    else:
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
