"""How results show themselves in a notebook: a headline and small tables.

A :class:`Result`, a :class:`GradientCheck`, a :class:`SymbolicGradient` and the rows of
``dm.compare``, ``dm.epsilon_sweep`` and ``dm.scaling`` each describe themselves as a title and
a few blocks of :mod:`diffmethods.teaching.document` (paragraphs and tables). Those become
Markdown exactly as explanations do -- computed text in code spans, table cells that Markdown
would misread (``x1**2``, ``a < b``) as code -- and the Markdown is rendered to HTML by
markdown-it-py with raw HTML off, so a ``<`` in a formula stays a ``<``. Jupyter shows the HTML
(``_repr_html_``); ``_repr_markdown_`` is there for frontends that prefer Markdown.

The document module is imported on first display only, so ``import diffmethods`` stays light.
"""

from __future__ import annotations

MAX_ROWS = 12  # a notebook table shows at most this many rows; the rest are counted


def markdown(title: str, blocks) -> str:
    """``title`` (Markdown written by this package) in bold, then the blocks."""
    from .teaching.document import fragment
    return f"**{title}**\n\n{fragment(blocks)}\n"


def html(title: str, blocks) -> str:
    """The same, rendered to an HTML fragment by markdown-it-py."""
    from .teaching.document import MARKDOWN
    return MARKDOWN.render(markdown(title, blocks))


def left_out(total: int, what: str, where: str, limit: int = MAX_ROWS) -> list:
    """A paragraph saying that only ``limit`` of ``total`` were shown and where the rest are
    (Markdown), or nothing when all were."""
    if total <= limit:
        return []
    from .teaching.document import Paragraph
    return [Paragraph(f"Showing {limit} of {total} {what}; {where} has them all.")]


class RichDisplay:
    """Mixin: a class with ``_display() -> (title, blocks)`` gets the notebook reprs."""

    def _display(self):  # pragma: no cover - every user defines it
        raise NotImplementedError

    def _repr_markdown_(self) -> str:
        return markdown(*self._display())

    def _repr_html_(self) -> str:
        return html(*self._display())


MAX_FORMULA = 300  # characters of one formula shown before it is cut (and said to be)


def _formula(expr) -> tuple[str, bool]:
    """(the expression as text, cut to MAX_FORMULA characters; whether it was cut)."""
    from .teaching.notation import expr_text
    text = expr_text(expr)
    return (text, False) if len(text) <= MAX_FORMULA else (text[:MAX_FORMULA] + " …", True)


def symbolic_view(sg):
    """A :class:`~diffmethods.SymbolicGradient` in a notebook: the expression, one row per
    partial derivative, and the sizes and costs of the derivation."""
    from .harness.tables import fmt_seconds
    from .teaching.document import Paragraph, Table, code
    expression, cut = _formula(sg.expression)
    rows, any_cut = [], cut
    for symbol, derivative in list(zip(sg.symbols, sg.gradient))[:MAX_ROWS]:
        text, cut = _formula(derivative)
        rows.append([str(symbol), text])
        any_cut = any_cut or cut
    out = [Paragraph(f"f = {code(expression)}"),
           Table(["symbol", "df/d(symbol)"], rows),
           Paragraph(f"{sg.ops} operations as derived (every repeated subexpression counted "
                     f"again), {sg.ops_cse} in the compiled code after common-subexpression "
                     f"elimination; derived in {fmt_seconds(sg.derive_seconds)}, compiled in "
                     f"{fmt_seconds(sg.compile_seconds)}.")]
    out += left_out(len(sg.gradient), "partial derivatives", code(".gradient"))
    if any_cut:
        out.append(Paragraph(f"Formulas longer than {MAX_FORMULA} characters are cut (…); "
                             f"{code('.expression')} and {code('.gradient')} hold them whole."))
    if sg.data:
        out.append(Paragraph(f"{len(sg.data)} constant arrays stay packed as data symbols "
                             f"({code('.data')})."))
    return f"Symbolic gradient of {code('f')} in {len(sg.symbols)} symbols", out
