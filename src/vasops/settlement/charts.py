"""Server-side SVG bar charts (no script, no outside host: the page's CSP stays strict)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

COLOURS = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1"]


def bars(
    labels: list[str], series: list[tuple[str, list[int]]], *, title: str, height: int = 220
) -> SafeString:
    """Grouped bars of fen amounts shown in yuan; negative values hang below the axis."""
    if not labels:
        return mark_safe("")
    width = max(360, 90 * len(labels) + 80)
    top, bottom, left = 28, 40, 70
    plot_h = height - top - bottom
    values = [v for _name, vs in series for v in vs] or [0]
    high, low = max(max(values), 0), min(min(values), 0)
    span = (high - low) or 1
    zero_y = top + plot_h * high / span
    group_w = (width - left - 10) / len(labels)
    bar_w = max(6.0, group_w * 0.7 / max(len(series), 1))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="w-100" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<text x="{left}" y="16" font-size="13" fill="#333">{escape(title)}</text>',
        f'<line x1="{left}" y1="{zero_y:.1f}" x2="{width - 10}" y2="{zero_y:.1f}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{top + 4}" font-size="10" text-anchor="end" fill="#666">'
        f"{high / 100:,.0f}</text>",
        f'<text x="{left - 6}" y="{zero_y + 4:.1f}" font-size="10" text-anchor="end" fill="#666">0</text>',
    ]
    for i, label in enumerate(labels):
        x0 = left + i * group_w + group_w * 0.15
        for j, (name, vs) in enumerate(series):
            v = vs[i]
            h = plot_h * abs(v) / span
            y = zero_y - h if v >= 0 else zero_y
            tip = escape(
                gettext("%(series)s %(label)s：%(amount)s 元")
                % {"series": name, "label": label, "amount": f"{v / 100:,.2f}"}
            )
            parts.append(
                f'<rect x="{x0 + j * bar_w:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{max(h, 0.5):.1f}" fill="{COLOURS[j % len(COLOURS)]}"><title>{tip}</title></rect>'
            )
        parts.append(
            f'<text x="{left + (i + 0.5) * group_w:.1f}" y="{height - bottom + 16}" font-size="11" '
            f'text-anchor="middle" fill="#333">{escape(label[:12])}</text>'
        )
    for j, (name, _vs) in enumerate(series):
        x = left + j * 120
        parts.append(
            f'<rect x="{x}" y="{height - 14}" width="10" height="10" fill="{COLOURS[j % len(COLOURS)]}"/>'
        )
        parts.append(f'<text x="{x + 14}" y="{height - 5}" font-size="11" fill="#333">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
