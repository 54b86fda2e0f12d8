"""Walk the site as one person with Django's test client and read what the pages say.

Used by the label-coverage test (no code-shaped string in what a person reads) and the English
coverage test (no Han character outside user data). ``visible_text`` keeps the text nodes a
person reads (and the ``title``/``placeholder``/``aria-label`` attributes), without scripts,
styles, form field values, the content of elements marked ``data-user-data`` and of elements
that declare their own language (``lang="zh-Hans"`` on the language switch).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlparse

# links that end the session, download a file or change state on GET are not followed
SKIP = re.compile(
    r"/accounts/logout|export=|/download|/documents/|/exceptions/|template|\.xlsx|/admin/|/api/v1/|"
    r"/i18n/|/files/|/sync"
)
READ_ATTRS = {"title", "placeholder", "aria-label", "alt"}
HIDDEN = {"script", "style", "textarea", "template"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.refs: list[str] = []  # every src/href/action: what the page loads or points to
        self._stack: list[tuple[str, bool]] = []

    @property
    def _hidden(self) -> bool:
        return any(h for _t, h in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        for name in ("src", "href", "action", "data-src"):
            if a.get(name):
                self.refs.append(a[name] or "")
        void = tag in {"br", "img", "input", "meta", "link", "hr", "source", "col", "wbr"}
        # user data marked as such, and text declared in its own language (the language switch's
        # "中文" in English mode: ``lang="zh-Hans"``)
        hidden = tag in HIDDEN or "data-user-data" in a or ("lang" in a and tag != "html")
        if not self._hidden and not hidden:
            for name in READ_ATTRS:
                if a.get(name):
                    self.parts.append(a[name] or "")
        if not void:
            self._stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def read_page(html: str) -> tuple[str, list[str]]:
    """(the text a person reads, the links of the page)."""
    p = _Text()
    p.feed(html)
    return "\n".join(p.parts), p.links


OUTSIDE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//(?!testserver(?:[:/]|$)|127\.0\.0\.1|localhost)", re.I)


def outside_refs(html: str) -> list[str]:
    """The addresses on another host a page loads or links to (a CDN script, a font …);
    ``mailto:``/``tel:`` and this site's own paths are not."""
    p = _Text()
    p.feed(html)
    refs = p.refs + re.findall(r"url\(\s*['\"]?([^'\")]+)", html)
    return [r for r in refs if OUTSIDE.match(r.strip())]


def crawl(client, start: str = "/", max_pages: int = 120) -> Iterable[tuple[str, int, str, str]]:  # type: ignore[no-untyped-def]
    """Yield (path, status, visible text, html) for every same-site page reachable from ``start``."""
    seen: set[str] = set()
    queue = deque([start])
    patterns: dict[str, int] = {}
    count = 0
    while queue and count < max_pages:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        # at most 3 pages of one shape (/x/12/, /x/13/ …): the walk covers pages, not rows
        shape = re.sub(r"\d+", "N", urlparse(path).path)
        if patterns.get(shape, 0) >= 3:
            continue
        patterns[shape] = patterns.get(shape, 0) + 1
        response = client.get(path, follow=True)
        count += 1
        content_type = response.get("Content-Type", "")
        if "text/html" not in content_type:
            continue
        html = response.content.decode()
        text, links = read_page(html)
        yield path, response.status_code, text, html
        for href in links:
            href = urldefrag(href)[0]
            if not href.startswith("/") or href.startswith("//") or SKIP.search(href):
                continue
            target = urlparse(href)
            key = target.path + ("?" + target.query if target.query and "page=" not in target.query else "")
            if key not in seen:
                queue.append(key)
