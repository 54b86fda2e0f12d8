"""Server-side SVG charts (no JavaScript, nothing from outside the site: passes the CSP). Pure
functions from numbers to escaped SVG markup; colours by class from core's stylesheet are not
needed — presentation attributes only (``fill``), which the CSP allows (no ``style=``)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BLUE = "#0d6efd"
GREY = "#6c757d"


def bar_chart(
    points: Sequence[tuple[str, int]], *, title: str, width: int = 720, height: int = 180
) -> SafeString:
    """Vertical bars (e.g. complaints per day); every label under a bar when few, else every 5th."""
    n = max(len(points), 1)
    top = max([v for _, v in points] + [1])
    pad_l, pad_b, pad_t = 30, 28, 10
    inner_w, inner_h = width - pad_l - 10, height - pad_b - pad_t
    step = inner_w / n
    base = pad_t + inner_h
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="w-100">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{pad_l}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="{GREY}"/>',
        f'<text x="{pad_l - 4}" y="{pad_t + 8}" font-size="10" text-anchor="end" fill="{GREY}">{top}</text>',
        f'<text x="{pad_l - 4}" y="{base}" font-size="10" text-anchor="end" fill="{GREY}">0</text>',
    ]
    every = 1 if n <= 12 else 5
    for i, (label, value) in enumerate(points):
        h = inner_h * value / top
        x = pad_l + i * step + step * 0.15
        y = pad_t + inner_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" fill="{BLUE}">'
            f"<title>{escape(label)}：{value}</title></rect>"
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + step * 0.35:.1f}" y="{height - 10}" font-size="10" text-anchor="middle" '
                f'fill="{GREY}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  # every text above is escaped


def hbar_chart(points: Sequence[tuple[str, int]], *, title: str, width: int = 420) -> SafeString:
    """Horizontal bars with their label and value (categories, states)."""
    row = 24
    height = row * max(len(points), 1) + 8
    top = max([v for _, v in points] + [1])
    label_w = 110
    inner = width - label_w - 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="w-100">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(points):
        y = 4 + i * row
        w = inner * value / top
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" font-size="12" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{BLUE}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="12">{value}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  # every text above is escaped
