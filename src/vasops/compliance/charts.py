"""Server-side SVG charts (no script, nothing from outside: the CSP allows them as they are).
Presentation attributes only — no ``style`` attribute."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOURS = ["#0d6efd", "#198754", "#ffc107", "#dc3545", "#6f42c1", "#20c997", "#fd7e14"]


def line_chart(
    points: Sequence[tuple[str, int]],
    *,
    bands: Sequence[tuple[int, str]] = (),
    top: int = 100,
    title: str = "",
) -> SafeString:
    """A step line of values (label, value) on 0..top, with horizontal lines at ``bands``
    (value, label) — the grade thresholds."""
    w, h, left, bottom, pad = 640, 240, 40, 30, 10
    plot_w, plot_h = w - left - pad, h - bottom - pad

    def y(v: int) -> float:
        return pad + plot_h * (1 - max(0, min(v, top)) / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" class="w-100" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{pad}" x2="{left}" y2="{h - bottom}" stroke="#6c757d"/>',
        f'<line x1="{left}" y1="{h - bottom}" x2="{w - pad}" y2="{h - bottom}" stroke="#6c757d"/>',
    ]
    for value, label in bands:
        parts.append(
            f'<line x1="{left}" y1="{y(value):.1f}" x2="{w - pad}" y2="{y(value):.1f}" stroke="#adb5bd" '
            f'stroke-dasharray="4 3"/><text x="{left - 4}" y="{y(value) + 4:.1f}" font-size="10" '
            f'text-anchor="end" fill="#6c757d">{value}</text>'
            f'<text x="{w - pad}" y="{y(value) - 3:.1f}" font-size="10" text-anchor="end" fill="#6c757d">'
            f"{escape(label)}</text>"
        )
    if points:
        step = plot_w / max(1, len(points) - 1) if len(points) > 1 else 0
        coords = [
            (left + (i * step if len(points) > 1 else plot_w / 2), y(v)) for i, (_, v) in enumerate(points)
        ]
        path = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{COLOURS[0]}" stroke-width="2"/>')
        for (x, yy), (label, v) in zip(coords, points, strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="3" fill="{COLOURS[0]}">'
                f"<title>{escape(label)}：{v}</title></circle>"
            )
        parts.append(
            f'<text x="{coords[0][0]:.1f}" y="{h - 10}" font-size="10" fill="#6c757d">'
            f"{escape(points[0][0])}</text>"
        )
        if len(points) > 1:
            parts.append(
                f'<text x="{coords[-1][0]:.1f}" y="{h - 10}" font-size="10" text-anchor="end" fill="#6c757d">'
                f"{escape(points[-1][0])}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text part is escaped above


def bar_chart(items: Sequence[tuple[str, int]], *, title: str = "") -> SafeString:
    """Vertical bars of (label, count)."""
    w, h, bottom, pad = 640, 220, 40, 16
    top = max([v for _, v in items] + [1])
    n = max(1, len(items))
    slot = (w - 2 * pad) / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" class="w-100" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{pad}" y1="{h - bottom}" x2="{w - pad}" y2="{h - bottom}" stroke="#6c757d"/>',
    ]
    for i, (label, v) in enumerate(items):
        bar_h = (h - bottom - pad) * v / top
        x = pad + i * slot + slot * 0.15
        colour = COLOURS[i % len(COLOURS)]
        parts.append(
            f'<rect x="{x:.1f}" y="{h - bottom - bar_h:.1f}" width="{slot * 0.7:.1f}" height="{bar_h:.1f}" '
            f'fill="{colour}"><title>{escape(label)}：{v}</title></rect>'
            f'<text x="{x + slot * 0.35:.1f}" y="{h - bottom - bar_h - 4:.1f}" font-size="11" '
            f'text-anchor="middle">{v}</text>'
            f'<text x="{x + slot * 0.35:.1f}" y="{h - bottom + 16}" font-size="11" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text part is escaped above
