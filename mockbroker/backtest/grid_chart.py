"""The heatmap of a parameter grid: the objective over two parameters, as a PNG (matplotlib, no display).

Cells without an objective (the strategy refused the combination, or it made no closed trade) are grey; the best
cell is outlined; with few enough cells each shows its value.
"""

from __future__ import annotations

import io


def heatmap_png(matrix, xs: list, ys: list, x: str, y: str, title: str, label: str,
                best: tuple | None = None) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import Rectangle

    values = np.ma.masked_invalid(np.asarray(matrix, dtype=float))
    fig, ax = plt.subplots(figsize=(max(5.0, 0.75 * len(xs) + 2.5), max(3.5, 0.5 * len(ys) + 2.0)))
    cmap = matplotlib.colormaps["viridis"].copy()
    cmap.set_bad("#d9d9d9")
    image = ax.imshow(values, cmap=cmap, aspect="auto", origin="lower")
    ax.set_xticks(range(len(xs)), [_label(v) for v in xs])
    ax.set_yticks(range(len(ys)), [_label(v) for v in ys])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, label=label)
    if len(xs) * len(ys) <= 400:
        finite = values.compressed()
        middle = (finite.min() + finite.max()) / 2 if finite.size else 0
        for i in range(len(ys)):
            for j in range(len(xs)):
                if values.mask is not np.ma.nomask and values.mask[i, j]:
                    continue
                v = values[i, j]
                ax.text(j, i, f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}", ha="center", va="center", fontsize=7,
                        color="white" if v < middle else "black")
    if best is not None:
        j, i = xs.index(best[0]), ys.index(best[1])
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#d73027", linewidth=2.5))
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=90)
    plt.close(fig)
    return out.getvalue()


def _label(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
