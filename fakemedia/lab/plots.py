"""Charts of the lab commands (PNG): the experiment's bar chart and a confusion matrix.

matplotlib is imported lazily with the non-interactive Agg backend (no display needed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def bar_chart(rows: list[dict[str, Any]], out: str | Path, title: str = "fakemedia experiment") -> None:
    """Accuracy (bars) and training time (labels) for every row of the factor table."""
    plt = _plt()
    labels = [
        f"{r['classifier']} {r['features']}"
        + (f" {r['components']} {r['latent']} r{r['rate']}" if r["components"] else "")
        for r in rows
    ]
    acc = [r["accuracy"] for r in rows]
    fig, ax = plt.subplots(figsize=(max(8, 0.32 * len(rows) + 2), 5.5))
    colours = ["tab:orange" if r["features"] == "spectral" else "tab:blue" for r in rows]
    bars = ax.bar(range(len(rows)), acc, color=colours)
    for b, r in zip(bars, rows, strict=True):
        ax.text(b.get_x() + b.get_width() / 2, b.get_height() + 0.01, f"{r['train_s']:.0f}s",
                ha="center", va="bottom", fontsize=6, rotation=90)  # fmt: skip
    ax.axhline(0.5, color="grey", lw=0.8, ls="--")
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("test accuracy (labels: training time)")
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(labels, rotation=90, fontsize=7)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def confusion_png(confusion: list[list[int]], out: str | Path, title: str = "confusion matrix") -> None:
    plt = _plt()
    cm = np.asarray(confusion)
    fig, ax = plt.subplots(figsize=(4, 3.6))
    ax.imshow(cm, cmap="Blues")
    for i in range(2):
        for j in range(2):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center",
                    color="white" if cm[i, j] > cm.max() / 2 else "black")  # fmt: skip
    ax.set_xticks([0, 1], ["real", "synthetic"])
    ax.set_yticks([0, 1], ["real", "synthetic"])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
