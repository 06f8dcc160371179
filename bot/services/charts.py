"""The profile chart: area scores as horizontal bars with the threshold, as a PNG."""

from __future__ import annotations

import io

from bot.services.scoring import AreaScore
from bot.texts import forms as t

_OK = "#4c8bf5"
_WEAK = "#e8710a"


def profile_png(scores: list[AreaScore], title: str) -> bytes:
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
