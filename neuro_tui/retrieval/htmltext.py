"""A fast HTML-to-Markdown-ish fallback for big local HTML files.

trafilatura is superlinear on large pages (measured here: 20.6 s for Node's 8.4 MB
api/all.html, the kind of page the issue saw take 52 s). For local files above
`FAST_ABOVE` bytes we keep headings and paragraphs with lxml alone, which takes a few
hundred milliseconds on the same page.
"""

from __future__ import annotations

import re

FAST_ABOVE = 256 * 1024
_DROP = {"script", "style", "noscript", "template", "svg", "nav", "head"}
_BLOCK = {"p", "div", "section", "article", "li", "tr", "pre", "blockquote", "table", "ul",
          "ol", "dl", "dt", "dd", "br", "header", "footer", "main", "aside", "figure"}
_HEADING = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


def html_to_text(html: str) -> str:
    """Headings as `#` lines, blocks separated by blank lines, everything else as text."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    out: list[str] = []
    _walk(root, out)
    text = "".join(out)
    text = re.sub(r"[ \t\xa0]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _walk(node, out: list[str]) -> None:
    tag = node.tag if isinstance(node.tag, str) else ""
    if tag in _DROP:
        if node.tail:
            out.append(node.tail)
        return
    level = _HEADING.get(tag)
    if level:
        out.append("\n\n" + "#" * level + " " + " ".join(node.text_content().split()) + "\n\n")
    else:
        if tag in _BLOCK:
            out.append("\n\n" if tag != "br" else "\n")
        if node.text:
            out.append(node.text)
        for child in node:
            _walk(child, out)
        if tag in _BLOCK:
            out.append("\n\n")
    if node.tail:
        out.append(node.tail)
