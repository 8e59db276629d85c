"""The explanation object: headings, paragraphs, formulas and tables, shown three ways.

Every explainer builds an :class:`Explanation` out of a few kinds of blocks and never formats
output itself, so the same lesson prints in a terminal (``str``), renders as HTML tables in a
Jupyter notebook (``_repr_html_``) and becomes a section of the Markdown tutorial
(:meth:`Explanation.markdown`). Text in backticks is code: kept as is in the terminal, ``<code>``
in HTML, inline code in Markdown.

>>> e = Explanation("Demo", [Paragraph("one `x1`"), Table(["a", "b"], [[1, 22]])])
>>> print(e)
Demo
====
<BLANKLINE>
one `x1`
<BLANKLINE>
a | b
--+---
1 | 22
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field


@dataclass
class Paragraph:
    """Running text (backticks mark code)."""

    text: str


@dataclass
class Formula:
    """Lines shown verbatim in a monospace block: derivations, expressions, code."""

    lines: list


@dataclass
class Table:
    """A header and rows of cells (cells are converted with ``str``)."""

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
        underline = "=-~."[min(level, 3)]
        out = [self.title, underline * _width(self.title)]
        for block in self.blocks:
            out += ["", _block_text(block)]
        for part in self.parts.values():
            out += ["", "", part.text(level + 1)]
        return "\n".join(out)

    def markdown(self, level: int = 1) -> str:
        out = ["#" * min(level, 6) + " " + self.title]
        for block in self.blocks:
            out += ["", _block_markdown(block)]
        for part in self.parts.values():
            out += ["", part.markdown(level + 1)]
        return "\n".join(out)

    def _repr_html_(self, level: int = 2) -> str:
        out = [f"<h{min(level, 6)}>{_inline_html(self.title)}</h{min(level, 6)}>"]
        out += [_block_html(block) for block in self.blocks]
        out += [part._repr_html_(level + 1) for part in self.parts.values()]
        return "\n".join(out)


# --- terminal text ------------------------------------------------------------------------
def _width(s: str) -> int:
    """Columns a string takes on screen: combining marks (the bar of x̄4) take none."""
    return sum(0 if unicodedata.combining(c) else 1 for c in s)


def _pad(s: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(s))
    return gap + s if right else s + gap


def _is_number(s: str) -> bool:
    return bool(re.fullmatch(r"[-+]?(\d[\d.]*(e[-+]?\d+)?|inf|nan)%?", s.strip()))


def _block_text(block) -> str:
    if isinstance(block, Paragraph):
        return _wrap(_plain(block.text), 96)
    if isinstance(block, Formula):
        return "\n".join("    " + line for line in block.lines)
    if isinstance(block, Figure):
        return f"[figure: {block.path}] {block.caption}"
    return _table_text(block)


def _table_text(table: Table) -> str:
    rows = [[str(c) for c in row] for row in table.rows]
    header = [str(h) for h in table.header]
    widths = [max([_width(header[j])] + [_width(r[j]) for r in rows])
              for j in range(len(header))]
    numeric = [all(_is_number(r[j]) for r in rows) and bool(rows) for j in range(len(header))]
    lines = [" | ".join(_pad(h, w, False) for h, w in zip(header, widths)).rstrip(),
             "-+-".join("-" * w for w in widths)]
    for r in rows:
        lines.append(" | ".join(_pad(c, w, right) for c, w, right
                                in zip(r, widths, numeric)).rstrip())
    if table.caption:
        lines.insert(0, table.caption)
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
def _md_cell(s) -> str:
    s = str(s).replace("|", "\\|")
    return s if not s or "`" in s or not _looks_like_code(s) else f"`{s}`"


def _looks_like_code(s: str) -> bool:
    """Cells holding formulas are set as code so Markdown leaves ``*`` and ``**`` alone."""
    return any(ch in s for ch in "*_") or "**" in s


def _block_markdown(block) -> str:
    if isinstance(block, Paragraph):
        return block.text
    if isinstance(block, Formula):
        return "```\n" + "\n".join(block.lines) + "\n```"
    if isinstance(block, Figure):
        return f"![{block.caption}]({block.path})\n\n*{block.caption}*"
    header = "| " + " | ".join(_md_cell(h) for h in block.header) + " |"
    rows = [[str(c) for c in row] for row in block.rows]
    align = ["---:" if rows and all(_is_number(r[j]) for r in rows) else "---"
             for j in range(len(block.header))]
    lines = [header, "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    if block.caption:
        lines = [f"*{block.caption}*", ""] + lines
    return "\n".join(lines)


# --- HTML ---------------------------------------------------------------------------------
def _inline_html(text: str) -> str:
    parts = str(text).split("`")
    return "".join(f"<code>{html.escape(p)}</code>" if k % 2
                   else re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(p))
                   for k, p in enumerate(parts))


def _plain(text: str) -> str:
    """**bold** markers dropped outside code spans, for the terminal."""
    parts = str(text).split("`")
    return "`".join(p if k % 2 else re.sub(r"\*\*(.+?)\*\*", r"\1", p)
                    for k, p in enumerate(parts))


def _block_html(block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{_inline_html(block.text)}</p>"
    if isinstance(block, Formula):
        return "<pre>" + html.escape("\n".join(block.lines)) + "</pre>"
    if isinstance(block, Figure):
        return (f"<figure><img src=\"{html.escape(block.path)}\"><figcaption>"
                f"{_inline_html(block.caption)}</figcaption></figure>")
    cells = "".join(f"<th>{_inline_html(h)}</th>" for h in block.header)
    rows = "".join("<tr>" + "".join(f"<td>{_inline_html(c)}</td>" for c in row) + "</tr>"
                   for row in block.rows)
    caption = f"<caption>{_inline_html(block.caption)}</caption>" if block.caption else ""
    return f"<table>{caption}<thead><tr>{cells}</tr></thead><tbody>{rows}</tbody></table>"
