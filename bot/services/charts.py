"""Charts as PNG: the profile's area scores, the indicators' shares, counts by category.

matplotlib is imported inside each function (it costs ~80 MB and a second at start-up). The
object API with the Agg canvas is used, not pyplot: no display is needed on a server and there is
no global figure registry shared between concurrent updates. Labels are in DejaVu Sans, the
default font shipped with matplotlib, which has Cyrillic.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import Any

from bot.services.scoring import AreaScore
from bot.texts import forms as t

_OK = "#4c8bf5"
_WEAK = "#e8710a"


def results_png(scores: list[AreaScore], title: str) -> bytes:
    """Bars 0–5 per area, orange under the threshold; Cyrillic labels in DejaVu Sans (the
    default font, shipped with matplotlib)."""
    # Imported here: matplotlib and numpy cost ~60 MB, paid only when a chart is drawn. The
    # object API with the Agg canvas, not pyplot: no display needed on a server and no global
    # figure registry shared between concurrent updates.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shown = [s for s in scores if s.score is not None]
    height = 1.2 + 0.45 * max(len(shown), 1)
    figure = Figure(figsize=(8, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    labels = [s.short for s in shown][::-1]
    values = [s.score or 0 for s in shown][::-1]
    colours = [_WEAK if s.is_deficit else _OK for s in shown][::-1]
    axes.barh(labels, values, color=colours)
    for y, s in enumerate(shown[::-1]):
        axes.plot([s.threshold, s.threshold], [y - 0.4, y + 0.4], color="#333333", lw=1)
        axes.text((s.score or 0) + 0.05, y, f"{s.score:.1f}".replace(".", ","), va="center")
    axes.set_xlim(0, 5.4)
    axes.set_xlabel(t.CHART_AXIS)
    axes.set_title(title, fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _figure(rows: int) -> tuple[Any, Any]:
    """A figure sized for a phone screen: wide enough for labels, tall enough per bar."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, 1.6 + 0.75 * max(rows, 1)), dpi=130)
    FigureCanvasAgg(figure)
    return figure, figure.subplots()


def _png(figure: Any) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _wrap(label: str, width: int = 28) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def bars_png(
    labels: Sequence[str],
    values: Sequence[float],
    title: str,
    *,
    axis: str = "",
    percent: bool = False,
) -> bytes:
    """Horizontal bars, biggest label on top, each with its value written beside it."""
    figure, axes = _figure(len(labels))
    shown_labels = [_wrap(label) for label in labels][::-1]
    shown_values = list(values)[::-1]
    axes.barh(shown_labels, shown_values, color=_OK)
    top = max([*shown_values, 1.0])
    for y, value in enumerate(shown_values):
        text = f"{value:.1f} %".replace(".", ",") if percent else f"{value:g}"
        axes.text(value + top * 0.01, y, text, va="center", fontsize=11)
    axes.set_xlim(0, 100 if percent and top <= 100 else top * 1.15)
    if not percent:
        from matplotlib.ticker import MaxNLocator

        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if axis:
        axes.set_xlabel(axis, fontsize=11)
    axes.tick_params(labelsize=11)
    axes.set_title(title, fontsize=13)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)
