"""Server-side SVG charts (no JavaScript, nothing from another host, passes the CSP): a line of
values per period with the threshold, and bars per day. Labels are escaped."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

GOOD, BAD, LINE, GRID, TEXT = "#198754", "#dc3545", "#0d6efd", "#dee2e6", "#6c757d"
AXIS = f'text-anchor="end" font-size="11" fill="{TEXT}"'
UNDER = f'text-anchor="middle" font-size="11" fill="{TEXT}"'


def _scale(lo: float, hi: float, top: float, bottom: float) -> Callable[[float], float]:
    span = (hi - lo) or 1.0
    return lambda v: bottom - (v - lo) / span * (bottom - top)


def line_chart(
    points: Sequence[tuple[str, float, bool]],
    *,
    threshold: float | None = None,
    title: str = "",
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    ceiling: float | None = None,
    width: int = 560,
    height: int = 190,
) -> SafeString:
    """``points``: (x label, value, good?) oldest first; a dashed line marks the threshold; the
    axis never goes below 0 nor above ``ceiling`` (100 % for a percentage)."""
    if not points:
        empty = escape(gettext("暂无数据"))
        return mark_safe(  # noqa: S308 — constant text, escaped
            f'<svg class="vasops-chart" role="img" viewBox="0 0 {width} 40" width="100%" '
            f'xmlns="http://www.w3.org/2000/svg"><text x="{width / 2}" y="24" {UNDER}>{empty}</text></svg>'
        )
    left, right, top, bottom = 64, width - 36, 14, height - 30
    values = [v for _, v, _ in points] + ([threshold] if threshold is not None else [])
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    pad = (hi - lo) * 0.1 or max(abs(hi) * 0.1, 1.0)
    lo, hi = max(lo - pad, 0.0), hi + pad
    if ceiling is not None:
        hi = min(hi, ceiling)
    y = _scale(lo, hi, top, bottom)
    n = len(points)
    step = (right - left) / max(n - 1, 1)
    xs = [left + (i * step if n > 1 else (right - left) / 2) for i in range(n)]
    parts = [
        f'<svg class="vasops-chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{GRID}"/>',
        f'<text x="{left - 6}" y="{top + 4}" {AXIS}>{escape(fmt(hi))}</text>',
        f'<text x="{left - 6}" y="{bottom}" {AXIS}>{escape(fmt(lo))}</text>',
    ]
    if threshold is not None:
        ty = y(threshold)
        mark = escape(gettext("门限 %(value)s") % {"value": fmt(threshold)})
        parts.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{right}" y2="{ty:.1f}" '
            f'stroke="{BAD}" stroke-dasharray="5 4"/>'
            f'<text x="{right}" y="{ty - 4:.1f}" text-anchor="end" font-size="11" fill="{BAD}">'
            f"{mark}</text>"
        )
    if n > 1:
        path = " ".join(f"{x:.1f},{y(v):.1f}" for x, (_, v, _) in zip(xs, points, strict=True))
        parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for x, (label, v, good) in zip(xs, points, strict=True):
        colour = GOOD if good else BAD
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y(v):.1f}" r="4" fill="{colour}">'
            f"<title>{escape(label)}：{escape(fmt(v))}</title></circle>"
            f'<text x="{x:.1f}" y="{bottom + 16}" {UNDER}>{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every label above is escaped


def bar_chart(
    bars: Sequence[tuple[str, int]], *, title: str = "", width: int = 720, height: int = 170, every: int = 5
) -> SafeString:
    """``bars``: (x label, count); every ``every``-th label is written under its bar."""
    left, right, top, bottom = 36, width - 8, 12, height - 28
    hi = max([c for _, c in bars] + [1])
    n = max(len(bars), 1)
    slot = (right - left) / n
    parts = [
        f'<svg class="vasops-chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{GRID}"/>',
        f'<text x="{left - 4}" y="{top + 8}" {AXIS}>{hi}</text>',
        f'<text x="{left - 4}" y="{bottom}" {AXIS}>0</text>',
    ]
    for i, (label, count) in enumerate(bars):
        h = (bottom - top) * count / hi
        x = left + i * slot
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{bottom - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{BAD if count else GRID}"><title>{escape(label)}：{count}</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{bottom + 16}" text-anchor="middle" font-size="10" '
                f'fill="{TEXT}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every label above is escaped
