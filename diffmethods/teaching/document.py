"""The explanation object: headings, paragraphs, formulas and tables, shown three ways.

Every explainer builds an :class:`Explanation` out of a few kinds of blocks and never formats
output itself. The blocks become one Markdown document (:meth:`Explanation.markdown`), and
that Markdown is rendered by a real CommonMark renderer (markdown-it-py, with GFM tables) for
HTML (``_repr_html_``, what a Jupyter notebook shows) and read back token by token for the
terminal (``str``). So the three renderings cannot disagree about what is bold and what is a
formula.

What is markup and what is data:

* a :class:`Paragraph`'s text, a title and a caption are Markdown written by this package:
  ``**bold**``, ``*italic*`` and backticks for code. Anything computed -- a formula, a name,
  an expression typed by the user -- goes in through :func:`code` (a code span), never bare,
  so ``x1**2`` can never turn into bold;
* a :class:`Table`'s cells and a :class:`Formula`'s lines are data, shown exactly as given
  (in Markdown a cell holding ``*``, ``_``, ``<``... is set as a code span).

>>> e = Explanation("Demo", [Paragraph("one " + code("x1**2")), Table(["a", "b"], [[1, 22]])])
>>> print(e)
Demo
====
<BLANKLINE>
one `x1**2`
<BLANKLINE>
a | b
--+---
1 | 22
>>> "<code>x1**2</code>" in e._repr_html_()
True
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
"""The renderer: CommonMark plus GFM tables, raw HTML off (``a < b`` stays text)."""


def code(text) -> str:
    """``text`` as a Markdown code span, safe whatever it holds (backticks included).

    >>> code("x1**2"), code("a`b")
    ('`x1**2`', '``a`b``')
    """
    text = str(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_ACTIVE = re.compile(r"[\\`*_\[\]<>&!~|#]")


def literal(text) -> str:
    """``text`` escaped so that Markdown shows it character for character (no code font).

    >>> literal("a*b_c")
    'a\\\\*b\\\\_c'
    """
    return _ACTIVE.sub(lambda m: "\\" + m.group(0), str(text))


@dataclass
class Paragraph:
    """Running text in Markdown (``**bold**``, backticks for code; see :func:`code`)."""

    text: str


@dataclass
class Formula:
    """Lines shown verbatim in a monospace block: derivations, expressions, code."""

    lines: list


@dataclass
class Table:
    """A header and rows of cells (cells are data, converted with ``str``)."""

    header: list
    rows: list
    caption: str = ""


@dataclass
class Figure:
    """A picture file, for the Markdown tutorial (the terminal shows its path)."""

    path: str
    caption: str


@dataclass
class Explanation:
    """One method explained step by step, or (with ``parts``) several methods in turn.

    ``data`` holds what the steps were read from (a reverse-mode walk, the forward passes, the
    symbolic derivation, the finite-difference calls...), for use from Python; ``gradient`` and
    ``value`` are what the method computed.
    """

    title: str
    blocks: list = field(default_factory=list)
    method: str | None = None
    value: float | None = None
    gradient: object = None
    data: object = None
    parts: dict = field(default_factory=dict)

    def __getitem__(self, method: str) -> "Explanation":
        """The part explaining one method, for an explanation of several."""
        return self.parts[method]

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<Explanation {self.title!r}: print() it, or show it in a notebook>"

    # --- the three renderings --------------------------------------------------------------
    def text(self, level: int = 0) -> str:
        """For a terminal: headings underlined, tables aligned, paragraphs wrapped."""
        title = plain(self.title)
        out = [title, "=-~."[min(level, 3)] * _width(title)]
        for block in self.blocks:
            out += ["", _block_text(block)]
        for part in self.parts.values():
            out += ["", "", part.text(level + 1)]
        return "\n".join(out)

    def markdown(self, level: int = 1) -> str:
        """CommonMark with GFM tables: what GitHub and the tutorial show."""
        out = ["#" * min(level, 6) + " " + self.title]
        for block in self.blocks:
            out += ["", _block_markdown(block)]
        for part in self.parts.values():
            out += ["", part.markdown(level + 1)]
        return "\n".join(out)

    def html(self, level: int = 2) -> str:
        """The Markdown rendered to an HTML fragment by markdown-it-py."""
        return MARKDOWN.render(self.markdown(level))

    def _repr_markdown_(self) -> str:
        """What a notebook or a Markdown front end shows where it prefers Markdown."""
        return self.markdown()

    def _repr_html_(self) -> str:
        return self.html()

    def html_page(self) -> str:
        """A whole HTML page (title, a little CSS for the tables), to save or open in a
        browser: what ``diffmethods explain --format html`` prints."""
        title = html.escape(plain(self.title))
        return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>"
                f"<style>{PAGE_STYLE}</style></head>\n<body>\n{self.html(1)}</body></html>")


PAGE_STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;"
              "line-height:1.45}table{border-collapse:collapse;margin:1em 0}"
              "th,td{border:1px solid #bbb;padding:.2em .6em}th{background:#eee}"
              "code,pre{font-family:monospace;background:#f4f4f4}pre{padding:.5em}")


# --- terminal text ------------------------------------------------------------------------
def plain(text: str) -> str:
    """Markdown inline text as a terminal shows it: emphasis dropped, code kept in backticks.

    >>> plain("**Gradient** = `x1**2` a\\\\*b")
    'Gradient = `x1**2` a*b'
    """
    tokens = MARKDOWN.parseInline(str(text))
    out = []
    for token in tokens[0].children if tokens else []:
        if token.type == "code_inline":
            out.append(code(token.content))
        elif token.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif token.type in ("text", "html_inline"):
            out.append(token.content)
        elif token.type == "image":
            out.append(token.content)
    return "".join(out)


def _width(s: str) -> int:
    """Columns a string takes on screen: combining marks (the bar of x̄4) take none."""
    return sum(0 if unicodedata.combining(c) else 1 for c in s)


def _pad(s: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(s))
    return gap + s if right else s + gap


def _is_number(s: str) -> bool:
    return bool(re.fullmatch(r"[-+]?(\d[\d.]*(e[-+]?\d+)?|inf|nan)%?", s.strip()))


def _numeric_columns(table: Table) -> list:
    rows = [[str(c) for c in row] for row in table.rows]
    return [bool(rows) and all(_is_number(r[j]) for r in rows)
            for j in range(len(table.header))]


def _block_text(block) -> str:
    if isinstance(block, Paragraph):
        return _wrap(plain(block.text), 96)
    if isinstance(block, Formula):
        return "\n".join("    " + line for line in block.lines)
    if isinstance(block, Figure):
        return f"[figure: {block.path}] {plain(block.caption)}"
    return _table_text(block)


def _table_text(table: Table) -> str:
    rows = [[str(c) for c in row] for row in table.rows]
    header = [str(h) for h in table.header]
    widths = [max([_width(header[j])] + [_width(r[j]) for r in rows])
              for j in range(len(header))]
    numeric = _numeric_columns(table)
    lines = [" | ".join(_pad(h, w, False) for h, w in zip(header, widths)).rstrip(),
             "-+-".join("-" * w for w in widths)]
    for r in rows:
        lines.append(" | ".join(_pad(c, w, right) for c, w, right
                                in zip(r, widths, numeric)).rstrip())
    if table.caption:
        lines.insert(0, plain(table.caption))
    return "\n".join(lines)


def _wrap(text: str, width: int) -> str:
    out, line = [], ""
    for word in text.split():
        if line and _width(line) + 1 + _width(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(line)
    return "\n".join(out)


# --- Markdown -----------------------------------------------------------------------------
def _md_cell(cell) -> str:
    """A table cell as data: a code span when Markdown would read anything in it as markup
    (``x1**2``, ``x_i``, ``a < b``), plain otherwise; a pipe is escaped either way (GFM
    splits cells on it even inside code spans)."""
    s = str(cell).replace("\n", " ")
    if _ACTIVE.search(s.replace("|", "")):
        s = code(s)
    return s.replace("|", "\\|")


def _fence(lines: list) -> str:
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def _italic(text: str) -> str:
    return f"*{text}*" if text.strip() else ""


def _block_markdown(block) -> str:
    if isinstance(block, Paragraph):
        return block.text
    if isinstance(block, Formula):
        fence = _fence(block.lines)
        return "\n".join([fence] + list(block.lines) + [fence])
    if isinstance(block, Figure):
        alt = literal(plain(block.caption).replace("`", ""))
        path = block.path if not re.search(r"[\s()<>]", block.path) else f"<{block.path}>"
        return f"![{alt}]({path})\n\n{_italic(block.caption)}"
    header = "| " + " | ".join(_md_cell(h) for h in block.header) + " |"
    align = ["---:" if right else "---" for right in _numeric_columns(block)]
    lines = [header, "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
    if block.caption:
        lines = [_italic(block.caption), ""] + lines
    return "\n".join(lines)


def fragment(blocks) -> str:
    """Blocks as Markdown without a heading: what a result shows in a notebook (see
    :mod:`diffmethods.display`).

    >>> print(fragment([Paragraph("a " + code("x1**2")), Table(["x"], [["<b>"]])]))
    a `x1**2`
    <BLANKLINE>
    | x |
    |---|
    | `<b>` |
    """
    return "\n\n".join(_block_markdown(block) for block in blocks)
