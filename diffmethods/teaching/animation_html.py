"""An animation as one self-contained HTML page: inline SVG, a few lines of script, no network.

The page draws the graph once, at the positions :func:`~diffmethods.teaching.graph.layout`
gives (the same picture as ``--graph``), and keeps every step's state as JSON data; the script
only swaps classes and texts. Buttons step back and forth, Play runs the steps, the counter
says where you are, and ``page.html#step=5`` opens at step 5 (the address follows the steps,
so a step can be linked). No fonts, images or scripts are fetched: the page works offline and
from a file. Without script it shows step 1 and lists every step in words.
"""

from __future__ import annotations

import html
import json

from ..methods.forward import ForwardMode
from .graph import BOX_H, BOX_W, INPUT_COLOUR, LABEL_CHARS, OP_COLOUR, OUTPUT_COLOUR
from .graph import _free_spot, edge_curves  # the curves and label spots --graph draws
from .notation import node_name

PX = 62  # pixels per layout unit
MARGIN = 0.35  # layout units around the graph
BACKWARD_KINDS = ("seed", "accumulate")
CHAR_PX = {"head": 8.6, "line": 7.8, "label": 6.5}  # rough widths, to squeeze long lines


def _pass(kind: str) -> str:
    return "backward" if kind in BACKWARD_KINDS else "result" if kind == "result" else "forward"


def _forward_mode(animation) -> bool:
    return animation.method == ForwardMode.name


def _box_texts(animation, step) -> tuple[list, list]:
    """Per node: (text, known) of the value line and of the tangent/adjoint line."""
    placeholders = _pass(step.kind) in ("backward", "result") or _forward_mode(animation)
    values = [(v, True) if v else ("value ?", False) for v in step.values]
    extras = [(x, True) if x else (f"{name} = ?" if placeholders else "", False)
              for x, name in zip(step.extras, animation.extra_names)]
    return values, extras


def _step_data(animation, step) -> dict:
    values, extras = _box_texts(animation, step)
    return {"phase": step.phase, "pass": _pass(step.kind), "node": step.node, "lines": step.lines,
            "status": step.status, "values": values, "extras": extras,
            "edges": step.edge_status}


class _Canvas:
    """Layout units to SVG pixels (y grows downwards on screen)."""

    def __init__(self, animation):
        pos = list(animation.positions.values())
        points = pos + [p for route in animation.routes for p in route]
        self.x0 = min(p[0] for p in pos) - BOX_W / 2 - MARGIN
        self.y0 = max(p[1] for p in points) + BOX_H / 2 + MARGIN
        self.width = (max(p[0] for p in pos) + BOX_W / 2 + MARGIN - self.x0) * PX
        self.height = (self.y0 - min(p[1] for p in points) + BOX_H / 2 + MARGIN) * PX

    def xy(self, x, y) -> tuple[float, float]:
        return round((x - self.x0) * PX, 1), round((self.y0 - y) * PX, 1)


def _text(x, y, text, cls, kind, width=None) -> str:
    """One line of SVG text, squeezed to ``width`` pixels if it would run over."""
    squeeze = ""
    if width is not None and len(text) * CHAR_PX[kind] > width:
        squeeze = f' textLength="{width:.0f}" lengthAdjust="spacingAndGlyphs"'
    return (f'<text x="{x}" y="{y}" class="{cls}"{squeeze}>{html.escape(text)}</text>')


def _svg(animation, first) -> str:
    c = _Canvas(animation)
    parts = [f'<svg id="graph" width="{c.width:.0f}" height="{c.height:.0f}" '
             f'viewBox="0 0 {c.width:.0f} {c.height:.0f}" role="img" '
             f'aria-label="the computational graph of f">',
             "<defs>" + "".join(
                 f'<marker id="arrow-{s}" viewBox="0 0 10 10" refX="10" refY="5" '
                 'markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse" '
                 f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="tip-{s}"/>'
                 "</marker>" for s in ("pending", "done", "current", "back")) + "</defs>"]
    placed: list = []
    curves = edge_curves(animation.edges, animation.routes)
    for e, ((tail, head, label), curve, last_leg) in enumerate(curves):
        v = [c.xy(*p) for p in curve.vertices]
        d = f"M{v[0][0]},{v[0][1]}" + "".join(
            f" C{a[0]},{a[1]} {b[0]},{b[1]} {p[0]},{p[1]}"
            for a, b, p in zip(v[1::3], v[2::3], v[3::3]))
        if len(label) > LABEL_CHARS and " = " in label:
            label = label.replace(" = ", "\n= ", 1)
        lx, ly = c.xy(*_free_spot(last_leg, label, placed))
        rows = label.split("\n")
        w = max(map(len, rows)) * CHAR_PX["label"] + 10
        h = 15 * len(rows) + 4
        spans = "".join(f'<tspan x="{lx}" y="{ly + (r - (len(rows) - 1) / 2) * 15:.1f}">'
                        f"{html.escape(row)}</tspan>" for r, row in enumerate(rows))
        parts.append(
            f'<g class="edge {first.edge_status[e]}" id="edge-{e + 1}" '
            f'data-edge="{node_name(tail)}-{node_name(head)}"><path class="wire" d="{d}"/>'
            f'<g class="label"><rect x="{lx - w / 2:.1f}" y="{ly - h / 2:.1f}" width="{w:.1f}" '
            f'height="{h}" rx="4"/><text class="partial">{spans}</text></g></g>')
    values, extras = _box_texts(animation, first)
    for i, (x, y) in sorted(animation.positions.items()):
        px, py = c.xy(x, y)
        w, h = BOX_W * PX, BOX_H * PX
        parts.append(
            f'<g class="node {animation.roles[i]} {first.status[i]}" id="node-{node_name(i)}" '
            f'data-node="{node_name(i)}"><rect x="{px - w / 2:.1f}" y="{py - h / 2:.1f}" '
            f'width="{w:.1f}" height="{h:.1f}" rx="10"/>'
            + _text(px, py - 21, animation.heads[i], "head", "head", w - 10)
            + _text(px, py + 1, values[i][0], "value" + ("" if values[i][1] else " unknown"),
                    "line", w - 10)
            + _text(px, py + 22, extras[i][0], "extra" + ("" if extras[i][1] else " unknown"),
                    "line", w - 10) + "</g>")
    parts.append("</svg>")
    return "\n".join(parts)


STYLE = """
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; margin: 18px 24px;
       color: #222; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; font-weight: 600; }
p.intro { margin: 0 0 10px; color: #444; max-width: 70em; }
#stage { overflow-x: auto; border: 1px solid #e2e2e2; border-radius: 8px; padding: 6px;
         background: #fcfcfc; }
#graph { display: block; margin: 0 auto; }
.node rect { stroke: #333; stroke-width: 1.2; }
.node.input rect { fill: %(input)s; } .node.operation rect { fill: %(op)s; }
.node.output rect { fill: %(output)s; }
.node.pending rect { fill: #ffffff; stroke: #b8b8b8; stroke-dasharray: 5 4; }
.node.source rect { stroke: #e07b00; stroke-width: 2.5; stroke-dasharray: 7 3; }
.node.current rect { fill: #ffd24d; stroke: #c0392b; stroke-width: 3.5; }
.node text { text-anchor: middle; dominant-baseline: central; font-size: 13.5px; }
.node text.head { font-weight: bold; font-size: 14px; }
.node.pending text.head { fill: #777; }
.node text.extra { fill: %(adjoint)s; font-weight: 600; }
body.forward-mode .node text.extra { fill: #1f5fbf; }
.node text.unknown { fill: #a8a8a8; font-weight: normal; }
.edge .wire { fill: none; stroke: #555; stroke-width: 1.4; marker-end: url(#arrow-done); }
.edge.pending .wire { stroke: #c8c8c8; marker-end: url(#arrow-pending); }
.edge.current .wire { stroke: #1f5fbf; stroke-width: 3.2; marker-end: url(#arrow-current);
                      stroke-dasharray: 9 5; animation: flow 0.9s linear infinite; }
body[data-pass="backward"] .edge.current .wire { stroke: %(adjoint)s;
                      animation-direction: reverse; marker-end: url(#arrow-done);
                      marker-start: url(#arrow-back); }
.tip-pending { fill: #c8c8c8; } .tip-done { fill: #555; } .tip-current { fill: #1f5fbf; }
.tip-back { fill: %(adjoint)s; }
@keyframes flow { from { stroke-dashoffset: 28; } to { stroke-dashoffset: 0; } }
.edge .label rect { fill: #fff; stroke: #9ab8d8; stroke-width: 0.8; }
.edge .label text { font-size: 11px; fill: #1a4e8a; text-anchor: middle;
                    dominant-baseline: central; }
.edge.pending .label { visibility: hidden; }
.edge.current .label rect { stroke: #c0392b; stroke-width: 1.6; }
#controls { display: flex; align-items: center; gap: 8px; margin: 12px 0 6px; flex-wrap: wrap; }
#controls button { font: inherit; font-size: 14px; padding: 5px 12px; border-radius: 6px;
                   border: 1px solid #999; background: #f3f3f3; cursor: pointer; }
#controls button:hover { background: #e6e6e6; }
#play { min-width: 6.5em; }
#counter { font-weight: 600; margin-left: 6px; min-width: 8em; }
#slider { flex: 1; min-width: 160px; max-width: 420px; }
#caption { border-left: 5px solid #ffd24d; background: #fffbea; padding: 8px 14px;
           border-radius: 4px; min-height: 5.2em; max-width: 75em; }
#phase { font-weight: 600; color: #7a4b00; margin: 0 0 4px; }
#lines p { margin: 2px 0; font-size: 15px; }
#lines p:first-child { font-size: 16px; }
#legend { display: flex; gap: 18px; flex-wrap: wrap; font-size: 13px; color: #444;
          margin: 10px 0; }
#legend span.swatch { display: inline-block; width: 22px; height: 13px; border-radius: 3px;
                      vertical-align: -2px; margin-right: 5px; border: 1px solid #333; }
details { margin-top: 10px; font-size: 14px; } #all li.now { font-weight: bold; }
#all a { color: #1a4e8a; text-decoration: none; }
"""

SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById('animation-data').textContent);
  var steps = data.steps, n = steps.length, k = 1, timer = null;
  var byId = function (id) { return document.getElementById(id); };
  var nodes = data.names.map(function (name) { return byId('node-' + name); });
  var edges = steps[0].edges.map(function (_, e) { return byId('edge-' + (e + 1)); });
  var items = document.querySelectorAll('#all li');
  function setLine(el, pair, base) {
    el.textContent = pair[0];
    el.setAttribute('class', base + (pair[1] ? '' : ' unknown'));
  }
  function show(j) {
    k = Math.min(Math.max(1, j | 0), n);
    var s = steps[k - 1];
    document.body.setAttribute('data-step', k);
    document.body.setAttribute('data-pass', s.pass);
    nodes.forEach(function (g, i) {
      g.setAttribute('class', 'node ' + data.roles[i] + ' ' + s.status[i]);
      var texts = g.querySelectorAll('text');
      setLine(texts[1], s.values[i], 'value');
      setLine(texts[2], s.extras[i], 'extra');
    });
    edges.forEach(function (g, e) { g.setAttribute('class', 'edge ' + s.edges[e]); });
    byId('graph').setAttribute('data-current', s.node === null ? '' : data.names[s.node]);
    byId('phase').textContent = s.phase;
    var lines = byId('lines');
    while (lines.firstChild) lines.removeChild(lines.firstChild);
    s.lines.forEach(function (t) {
      var p = document.createElement('p'); p.textContent = t; lines.appendChild(p);
    });
    byId('counter').textContent = 'Step ' + k + ' of ' + n;
    byId('slider').value = k;
    byId('prev').disabled = k === 1; byId('next').disabled = k === n;
    for (var i = 0; i < items.length; i++) items[i].className = i === k - 1 ? 'now' : '';
    if (location.hash !== '#step=' + k) {
      try { history.replaceState(null, '', '#step=' + k); } catch (err) {}
    }
  }
  function fromHash() { var m = /step=(\\d+)/.exec(location.hash); return m ? +m[1] : 1; }
  function stop() { if (timer) { clearInterval(timer); timer = null; } byId('play').textContent = '\\u25B6 Play'; }
  function play() {
    if (timer) { stop(); return; }
    if (k === n) show(1);
    byId('play').textContent = '\\u23F8 Pause';
    timer = setInterval(function () { if (k >= n) stop(); else show(k + 1); }, data.interval);
  }
  byId('first').onclick = function () { stop(); show(1); };
  byId('prev').onclick = function () { stop(); show(k - 1); };
  byId('next').onclick = function () { stop(); show(k + 1); };
  byId('last').onclick = function () { stop(); show(n); };
  byId('play').onclick = play;
  byId('slider').oninput = function () { stop(); show(+this.value); };
  window.addEventListener('hashchange', function () { show(fromHash()); });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'ArrowRight') { stop(); show(k + 1); }
    else if (ev.key === 'ArrowLeft') { stop(); show(k - 1); }
    else if (ev.key === ' ' && ev.target.tagName !== 'BUTTON') { ev.preventDefault(); play(); }
  });
  byId('controls').hidden = false;
  show(fromHash());
})();
"""

INTERVAL_MS = 1600


def _legend(animation) -> str:
    entries = [("#ffd24d", "#c0392b", "computed in this step"),
               ("#f4f4f4", "#e07b00", "read by this step"),
               (INPUT_COLOUR, "#333", "done (inputs blue, output orange)"),
               ("#ffffff", "#b8b8b8", "not reached yet")]
    return "".join(f'<span><span class="swatch" style="background:{fill};border-color:{edge}">'
                   f"</span>{html.escape(text)}</span>" for fill, edge, text in entries)


def render_html(animation) -> str:
    """The page for ``animation``: see the module's docstring."""
    first = animation.steps[0]
    forward = _forward_mode(animation)
    data = {"names": [node_name(i) for i in range(len(animation.heads))],
            "roles": animation.roles, "interval": INTERVAL_MS,
            "steps": [_step_data(animation, s) for s in animation.steps]}
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    what = ("Forward mode: one tangent pass per input. Each step computes one node's value "
            "and its tangent ẋ from its operands' (blue arrows); the output's tangent is one "
            "entry of the gradient." if forward else
            "Reverse mode: the forward pass records each operation on the tape with its local "
            "partial derivatives (on the arrows); the backward pass then sends the adjoint "
            "x̄ = df/dnode back along each arrow (red), from the output to the inputs.")
    notes = "".join(f"<p class=\"intro\">{html.escape(n)}</p>" for n in animation.notes)
    all_steps = "".join(f'<li><a href="#step={s.number}">{html.escape(s.phase)}: '
                        f"{html.escape(s.lines[0])}</a></li>" for s in animation.steps)
    caption = "".join(f"<p>{html.escape(line)}</p>" for line in first.lines)
    style = STYLE % {"input": INPUT_COLOUR, "op": OP_COLOUR, "output": OUTPUT_COLOUR,
                     "adjoint": "#b2182b"}
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(animation.title)}</title>
<style>{style}</style>
</head>
<body class="{'forward-mode' if forward else 'reverse-mode'}" data-step="1" data-pass="{_pass(first.kind)}">
<h1>{html.escape(animation.title)}</h1>
<p class="intro">{html.escape(what)} Use the buttons, the slider or the arrow keys; the address
ends in #step=N, so a step can be linked.</p>
{notes}
<div id="stage">
{_svg(animation, first)}
</div>
<div id="controls" hidden>
<button id="first" title="first step">First</button>
<button id="prev" title="previous step (left arrow)">&#x25C0; Previous</button>
<button id="play" title="play / pause (space)">&#x25B6; Play</button>
<button id="next" title="next step (right arrow)">Next &#x25B6;</button>
<button id="last" title="last step">Last</button>
<span id="counter">Step 1 of {len(animation.steps)}</span>
<input id="slider" type="range" min="1" max="{len(animation.steps)}" value="1" aria-label="step">
</div>
<div id="caption" aria-live="polite"><p id="phase">{html.escape(first.phase)}</p>
<div id="lines">{caption}</div></div>
<div id="legend">{_legend(animation)}</div>
<details><summary>All {len(animation.steps)} steps</summary><ol id="all">{all_steps}</ol></details>
<script type="application/json" id="animation-data">{payload}</script>
<script>{SCRIPT}</script>
</body>
</html>
"""
