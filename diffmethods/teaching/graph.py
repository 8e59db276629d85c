"""Pictures of the computational graph, read off the reverse-mode tape.

Each node is a box with its name, operation and value, and -- after the backward pass -- its
adjoint x̄ = df/dnode; each edge carries the local partial derivative of its head with respect to
its tail. The layout needs no graph library: the tape is already in topological order, so a
node's column is the length of the longest path from the inputs to it (its *layer*), and within
a column nodes are ordered by the average row of their operands, which keeps edges short and
mostly uncrossed. Graphs of more than :data:`MAX_NODES` nodes are refused for pictures (they
would not be readable) but can still be exported as Graphviz DOT text, which lays out any size.
"""

from __future__ import annotations

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from ..errors import OptionError
from ..files import figure_format
from .figures import new_figure, save_figure
from .notation import expr_text, node_name, num, slot_label
from .reverse_trace import ReverseWalk

MAX_NODES = 30
INPUT_COLOUR, OP_COLOUR, OUTPUT_COLOUR, DEAD_COLOUR = "#d6e6f5", "#f4f4f4", "#fde3c8", "#e6e6e6"
ADJOINT_COLOUR = "#b2182b"
BOX_W, BOX_H, COLUMN, ROW_GAP = 2.2, 1.15, 3.8, 0.45  # in data units
SCALE = 0.75  # inches per data unit
LABEL_CHARS = 11  # longer edge labels are split over two lines


def edges(walk: ReverseWalk) -> list:
    """(tail, head, label) for every operand of every operation; a node used twice by one
    operation gives two edges, one per operand, each with its own local partial."""
    out = []
    for node in walk.operations:
        for k, (position, tail) in enumerate(node.node_operands):
            if node.is_linear_primitive:
                out.append((tail, node.index, "linear"))
                continue
            formula = expr_text(node.partial_formula(position))
            value = num(node.partials[k], 4)
            label = (value if formula == value or formula.lstrip("-").replace(".", "").isdigit()
                     else f"{formula} = {value}")
            slot = slot_label(node.operands, position).strip(" ()").replace(" operand", "")
            out.append((tail, node.index, f"{slot}: {label}" if slot else label))
    return out


def layers(walk: ReverseWalk) -> dict:
    """node index -> layer: 0 for inputs, else 1 + the largest layer among its operands."""
    layer = {i: 0 for i in range(walk.n_inputs)}
    for node in walk.operations:
        layer[node.index] = 1 + max((layer[o] for _, o in node.node_operands), default=-1)
    return layer


def layout(walk: ReverseWalk):
    """Positions of the nodes and the route of every edge, as ({node: (x, y)}, [points]).

    Columns are the layers. An edge that skips columns gets a waypoint in each column it
    crosses, which takes a row there like a node does, so long edges run between the boxes
    instead of through them. Rows are then ordered by a few sweeps of the barycentre rule (each
    vertex moves to the mean row of its neighbours in the previous column, then the next),
    which removes most crossings; the inputs keep their order x1, x2, ... from the top.
    """
    layer = layers(walk)
    preds: dict = {i: [] for i in layer}
    succs: dict = {i: [] for i in layer}
    chains = []
    for k, (tail, head, _) in enumerate(edges(walk)):
        chain = [tail] + [("via", k, c) for c in range(layer[tail] + 1, layer[head])] + [head]
        for c, v in enumerate(chain[1:-1], start=layer[tail] + 1):
            layer[v] = c
            preds[v], succs[v] = [], []
        for a, b in zip(chain, chain[1:]):
            succs[a].append(b)
            preds[b].append(a)
        chains.append(chain)
    columns: dict = {}
    for v in layer:
        columns.setdefault(layer[v], []).append(v)
    order = {v: k for col in columns.values() for k, v in enumerate(col)}

    def sweep(cols, neighbours):
        for c in cols:
            col = columns[c]
            mean = {v: (sum(order[u] for u in neighbours[v]) / len(neighbours[v])
                        if neighbours[v] else order[v]) for v in col}
            col.sort(key=lambda v: (mean[v], order[v]))
            order.update({v: k for k, v in enumerate(col)})

    last = max(columns)
    for _ in range(4):
        sweep(range(1, last + 1), preds)
        sweep(range(last - 1, 0, -1), succs)
    sweep(range(1, last + 1), preds)
    def height(v):  # a waypoint needs less room than a box
        return BOX_H if isinstance(v, int) else 0.1

    position = {}
    for c, col in columns.items():
        gaps = [(height(a) + height(b)) / 2 + ROW_GAP for a, b in zip(col, col[1:])]
        y = sum(gaps) / 2  # centre every column on y = 0
        for v, step in zip(col, gaps + [0.0]):
            position[v] = (c * COLUMN, y)
            y -= step
    nodes = {i: position[i] for i in range(len(walk.nodes))}
    return nodes, [[position[v] for v in chain] for chain in chains]


def check_size(walk: ReverseWalk, limit: int = MAX_NODES) -> None:
    if len(walk.nodes) > limit:
        raise OptionError(
            f"the computational graph has {len(walk.nodes)} nodes; a picture is readable up to "
            f"{limit}. Explain a smaller function, or export Graphviz DOT text (--dot FILE, "
            "or graph_dot()), which lays out graphs of any size.")


def _node_lines(walk: ReverseWalk, index: int, adjoints: bool) -> tuple[str, str, str]:
    node = walk.nodes[index]
    head = f"{node.name} (input)" if node.op is None else f"{node.name} = {node.formula()}"
    adjoint = ""
    if adjoints:
        adjoint = (f"x̄{index + 1} = {num(node.adjoint, 4)}" if type(node.adjoint) is not int
                   else "no path to f")
    return head, f"value {num(node.value, 6)}", adjoint


def _colour(walk: ReverseWalk, index: int, adjoints: bool) -> str:
    if index == walk.output:
        return OUTPUT_COLOUR
    if adjoints and type(walk.nodes[index].adjoint) is int:
        return DEAD_COLOUR
    return INPUT_COLOUR if index < walk.n_inputs else OP_COLOUR


def draw_graph(walk: ReverseWalk, path: str | None = None, *, adjoints: bool = True,
               title: str | None = None):
    """Draw the graph; save it to ``path`` (format from its extension: .png, .svg, .pdf, ...)
    if given. Returns the matplotlib figure."""
    check_size(walk)
    if path is not None:
        figure_format(path)  # before drawing: an extension that is no figure format is refused
    pos, routes = layout(walk)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()] + [p[1] for route in routes for p in route]
    # one data unit is SCALE inches both ways, so boxes keep their shape at any graph size
    data_w = max(xs) - min(xs) + BOX_W + 1.0
    data_h = max(ys) - min(ys) + BOX_H + 1.0
    fig_w = max(7.0, data_w * SCALE)
    top, bottom = (0.45 if title else 0.1), 0.5  # inches for the title and the key
    fig_h = data_h * SCALE + top + bottom
    fig = new_figure(figsize=(fig_w, fig_h))
    ax = fig.add_axes((0, bottom / fig_h, 1, data_h * SCALE / fig_h))
    centre, half = (min(xs) + max(xs)) / 2, fig_w / SCALE / 2
    ax.set_xlim(centre - half, centre + half)
    ax.set_ylim(min(ys) - BOX_H / 2 - 0.5, max(ys) + BOX_H / 2 + 0.5)
    ax.axis("off")
    all_edges = edges(walk)
    placed: list = []  # label boxes drawn so far, to keep later labels off them
    for (tail, head, label), curve, last_leg in edge_curves(all_edges, routes):
        ax.add_patch(FancyArrowPatch(path=curve, arrowstyle="-|>,head_length=6,head_width=3",
                                     color="#555555", lw=1.2, zorder=1))
        # a long label goes on two lines (formula, then value), so it fits between columns
        if len(label) > LABEL_CHARS and " = " in label:
            label = label.replace(" = ", "\n= ", 1)
        x, y = _free_spot(last_leg, label, placed)
        ax.text(x, y, label, ha="center", va="center", fontsize=8.5, color="#1a4e8a",
                zorder=4, bbox=dict(boxstyle="round,pad=0.18", fc="white", ec="#9ab8d8",
                                    lw=0.6))
    for index, (x, y) in pos.items():
        ax.add_patch(FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H,
                                    boxstyle="round,pad=0.02,rounding_size=0.15",
                                    fc=_colour(walk, index, adjoints), ec="#333333", lw=1.0,
                                    zorder=2))
        head, value, adjoint = _node_lines(walk, index, adjoints)
        ax.text(x, y + 0.3, head, ha="center", va="center", fontsize=9.5, weight="bold",
                zorder=3)
        ax.text(x, y, value, ha="center", va="center", fontsize=9, zorder=3)
        if adjoint:
            ax.text(x, y - 0.3, adjoint, ha="center", va="center", fontsize=9,
                    color=ADJOINT_COLOUR, zorder=3)
    if title:
        fig.text(0.5, 1 - 0.25 / fig_h, title, ha="center", va="center", fontsize=11)
    key = ("Boxes: node = operation, its value" + (", and in red its adjoint x̄ = df/dnode "
                                                   "from the backward pass" if adjoints else "")
           + ".\nArrows: the local partial derivative d(head)/d(tail) at the point.")
    fig.text(0.5, 0.08 / fig_h, key, ha="center", va="bottom", fontsize=8.5, color="#444444",
             linespacing=1.4)
    if path is not None:
        save_figure(fig, path)
    return fig


def edge_curves(edges, routes):
    """(edge, curve, control points of its last leg) for each (tail, head, label) edge along
    its route: what ``--graph``, the animation page and its GIF all draw.

    Across a column an edge runs straight through its own waypoint row and bends only in the
    gaps between columns, so it never passes behind a box; an operand used twice by one
    operation gets two arcs, bent apart, one per operand."""
    pairs = [(t, h) for t, h, _ in edges]
    seen: dict = {}
    for edge, route in zip(edges, routes):
        tail, head, _ = edge
        repeat = seen.get((tail, head), 0)
        seen[(tail, head)] = repeat + 1
        bend = 0.0 if pairs.count((tail, head)) == 1 else (0.3, -0.3)[repeat % 2]
        points = [(route[0][0] + BOX_W / 2, route[0][1])]
        for x, y in route[1:-1]:
            points += [(x - BOX_W / 2, y), (x + BOX_W / 2, y)]
        points.append((route[-1][0] - BOX_W / 2, route[-1][1]))
        curve, last_leg = _smooth_route(points, bend)
        yield edge, curve, last_leg


def _smooth_route(points, bend: float = 0.0):
    """A smooth path through ``points`` -- one cubic curve per leg, leaving and entering each
    point horizontally, like the flow of the graph -- and the control points of the last leg
    (where the label goes). ``bend`` shifts the control points up or down, to draw two edges
    between the same pair of nodes as two separate arcs."""
    vertices, codes = [points[0]], [Path.MOVETO]
    for (xa, ya), (xb, yb) in zip(points, points[1:]):
        half = (xb - xa) / 2
        lift = bend * abs(xb - xa)
        vertices += [(xa + half, ya + lift), (xb - half, yb + lift), (xb, yb)]
        codes += [Path.CURVE4] * 3
    return Path(vertices, codes), vertices[-4:]


def _bezier(controls, t: float) -> tuple:
    p0, p1, p2, p3 = controls
    u = 1 - t
    return tuple(u**3 * a + 3 * u * u * t * b + 3 * u * t * t * c + t**3 * d
                 for a, b, c, d in zip(p0, p1, p2, p3))


def _free_spot(controls, label: str, placed: list) -> tuple:
    """Where on the last leg of an edge its label overlaps no label placed before: the middle
    if it is free, else a bit before or after it. Sizes are estimated from the font size."""
    lines = label.split("\n")
    w, h = 0.1 * max(map(len, lines)) + 0.2, 0.28 * len(lines) + 0.04  # units, fontsize 8.5
    for t in (0.5, 0.35, 0.65, 0.22, 0.78):
        x, y = _bezier(controls, t)
        if all(abs(x - px) > (w + pw) / 2 or abs(y - py) > (h + ph) / 2
               for px, py, pw, ph in placed):
            break
    else:
        x, y = _bezier(controls, 0.5)
    placed.append((x, y, w, h))
    return x, y


def graph_dot(walk: ReverseWalk, *, adjoints: bool = True, name: str = "f") -> str:
    """The same graph as Graphviz DOT text (render with ``dot -Tpng``); no size limit."""
    def quote(s):
        return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"digraph {quote(name)} {{", "  rankdir=LR;",
             '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    for node in walk.nodes:
        head, value, adjoint = _node_lines(walk, node.index, adjoints)
        label = "\\n".join(quote(s)[1:-1] for s in (head, value, adjoint) if s)
        lines.append(f'  {node.name} [label="{label}", '
                     f'fillcolor="{_colour(walk, node.index, adjoints)}"];')
    for tail, head, label in edges(walk):
        lines.append(f"  {node_name(tail)} -> {node_name(head)} [label={quote(label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
