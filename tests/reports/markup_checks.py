"""Checks shared by the report tests: balanced HTML, well-formed SVG inside the page's bounds, no external
references, no injected markup. Reusable by the tests of the experiment, offline and design reports."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
DANGEROUS_TAGS = {"script", "img", "iframe", "object", "embed", "link", "base", "form", "frame", "audio", "video"}
SVG_NS = "{http://www.w3.org/2000/svg}"
_EXTERNAL = [
    re.compile(r"""\b(?:src|href|xlink:href|action|poster|data|srcset)\s*=\s*["']?\s*(?:https?:|//|ftp:)""", re.I),
    re.compile(r"""url\(\s*["']?\s*(?:https?:|//)""", re.I),
    re.compile(r"@import", re.I),
]


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, tuple[int, int]]] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> at {self.getpos()} closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()


def parse_html(html: str) -> _Balance:
    """Parse ``html``; the result lists every tag with its attributes and any unbalanced tag."""
    parser = _Balance()
    parser.feed(html)
    parser.close()
    return parser


class _Data(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.values.extend(v for _, v in attrs if v)

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.values.append(data)


def data_values(html: str) -> list[str]:
    """Every text node and attribute value of ``html``, with character references decoded."""
    parser = _Data()
    parser.feed(html)
    parser.close()
    return parser.values


def assert_balanced(html: str) -> None:
    parser = parse_html(html)
    assert parser.errors == [], parser.errors[:5]
    assert parser.stack == [], f"unclosed tags: {parser.stack[:5]}"


def assert_no_external_refs(text: str) -> None:
    for pattern in _EXTERNAL:
        match = pattern.search(text)
        assert match is None, f"external reference {match.group(0)!r} in the output"


def assert_no_injection(html: str) -> None:
    """No script, image or other active element, no event-handler attribute, no javascript: URL."""
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<img" not in lowered
    for tag, attrs in parse_html(html).tags:
        assert tag not in DANGEROUS_TAGS, f"<{tag}> in the output"
        for name, value in attrs:
            assert not name.startswith("on"), f"event handler attribute {name!r} on <{tag}>"
            assert not (value or "").strip().lower().startswith("javascript:"), f"javascript: URL on <{tag}>"


def svgs_in(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.S)


_COORDS_X = ("x", "x1", "x2", "cx")
_COORDS_Y = ("y", "y1", "y2", "cy")


def check_svg(svg: str) -> ET.Element:
    """Parse one SVG as XML and check that every coordinate is a finite number inside its viewBox."""
    root = ET.fromstring(svg)
    assert root.tag == SVG_NS + "svg"
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
    assert root.find(SVG_NS + "title") is not None and root.find(SVG_NS + "title").text
    assert root.attrib.get("role") == "img"
    for element in root.iter():
        for name in _COORDS_X + _COORDS_Y + ("width", "height", "r"):
            if name in element.attrib and element is not root:
                value = float(element.attrib[name])
                assert math.isfinite(value), (element.tag, name, value)
                limit = width if name in _COORDS_X or name == "width" else height
                assert -1.0 <= value <= limit + 1.0, (element.tag, name, value, limit)
        if "d" in element.attrib:
            numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?|nan|inf", element.attrib["d"])]
            assert all(math.isfinite(v) for v in numbers), element.attrib["d"]
            xs, ys = numbers[0::2], numbers[1::2]
            assert all(-1.0 <= v <= width + 1.0 for v in xs), element.attrib["d"]
            assert all(-1.0 <= v <= height + 1.0 for v in ys), element.attrib["d"]
    return root


def texts(root: ET.Element) -> list[str]:
    """Every text node of an SVG (text elements and titles)."""
    return [t for t in root.itertext() if t.strip()]
