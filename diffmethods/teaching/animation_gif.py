"""An animation as an animated GIF: the graph drawn once with matplotlib, one frame per step.

The boxes, arrows and labels are those of :func:`~diffmethods.teaching.graph.draw_graph`, at
the same positions; each frame recolours them for its step (the node computed now, the nodes
it reads, what is done, what is not reached yet) and writes the step's formulas as a caption.
Pillow, which matplotlib already depends on, assembles the frames. The bytes depend only on the
steps, so a regenerated tutorial keeps its GIF unchanged.
"""

from __future__ import annotations

import io
import textwrap

import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..errors import OptionError
from .graph import (
    ADJOINT_COLOUR,
    BOX_H,
    BOX_W,
    INPUT_COLOUR,
    LABEL_CHARS,
    OP_COLOUR,
    OUTPUT_COLOUR,
    SCALE,
    _free_spot,
    edge_curves,
)
from .animation_html import _box_texts, _forward_mode, _pass
from .figures import new_figure

MAX_WIDTH_PX = 1400  # wider graphs are drawn at a lower resolution...
MIN_DPI = 60  # ...down to this, below which the text would be unreadable
DPI = 100
CAPTION_LINES = 5
COLOURS = 128  # GIF's palette holds 256; the frames use a few flat colours and their blends
FRAME_MS, FIRST_MS, LAST_MS = 1800, 2500, 5000
FILL = {"input": INPUT_COLOUR, "operation": OP_COLOUR, "output": OUTPUT_COLOUR}
CURRENT_FILL, CURRENT_EDGE, SOURCE_EDGE = "#ffd24d", "#c0392b", "#e07b00"
TANGENT_COLOUR, PENDING_GREY = "#1f5fbf", "#a8a8a8"
KEY = ("yellow, red border: computed in this step    orange dashed: read by it    "
       "grey dashed: not reached yet")


def _box_style(role: str, status: str) -> dict:
    if status == "current":
        return dict(fc=CURRENT_FILL, ec=CURRENT_EDGE, lw=3.0, ls="-")
    if status == "source":
        return dict(fc=FILL[role], ec=SOURCE_EDGE, lw=2.4, ls=(0, (5, 2)))
    if status == "pending":
        return dict(fc="white", ec="#b8b8b8", lw=1.0, ls=(0, (4, 3)))
    return dict(fc=FILL[role], ec="#333333", lw=1.0, ls="-")


class _Drawing:
    """The figure with one artist per box, line, edge and label, restyled frame by frame."""

    def __init__(self, animation):
        self.animation = animation
        pos, routes = animation.positions, animation.routes
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()] + [p[1] for r in routes for p in r]
        data_w, data_h = max(xs) - min(xs) + BOX_W + 0.8, max(ys) - min(ys) + BOX_H + 0.8
        self.width = max(8.0, data_w * SCALE)
        header, caption = 0.55, 0.24 * CAPTION_LINES + 0.55  # inches
        height = data_h * SCALE + header + caption
        self.dpi = min(DPI, MAX_WIDTH_PX / self.width)
        if self.dpi < MIN_DPI:
            raise OptionError(
                f"the graph is {self.width:.0f} inches wide: a GIF of it would be unreadable. "
                "Write the animation as .html instead (the page scrolls), or animate a smaller "
                "function.")
        self.fig = new_figure(figsize=(self.width, height), dpi=self.dpi)
        self.fig.patch.set_facecolor("white")
        ax = self.fig.add_axes((0, caption / height, 1, data_h * SCALE / height))
        centre, half = (min(xs) + max(xs)) / 2, self.width / SCALE / 2
        ax.set_xlim(centre - half, centre + half)
        ax.set_ylim(min(ys) - BOX_H / 2 - 0.4, max(ys) + BOX_H / 2 + 0.4)
        ax.axis("off")
        self.fig.text(0.02, 1 - 0.3 / height, animation.title, fontsize=12.5,
                      weight="bold", va="center")
        self.counter = self.fig.text(0.98, 1 - 0.3 / height, "", fontsize=11.5, ha="right",
                                     va="center", color="#444444")
        self.phase = self.fig.text(0.02, (caption - 0.28) / height, "", fontsize=11.5,
                                   weight="bold", color="#7a4b00", va="center")
        self.caption = self.fig.text(0.02, (caption - 0.45) / height, "", fontsize=11,
                                     va="top", linespacing=1.45, family="DejaVu Sans")
        self.wrap = int(self.width * 72 / (11 * 0.6))
        self.fig.text(0.98, 0.1 / height, KEY, fontsize=8.5, color="#555555", ha="right",
                      va="bottom")
        self.edges, self.labels = [], []
        placed: list = []
        for (tail, head, label), curve, last_leg in edge_curves(animation.edges, routes):
            arrow = FancyArrowPatch(path=curve, arrowstyle="-|>,head_length=6,head_width=3",
                                    color="#555555", lw=1.2, zorder=1)
            ax.add_patch(arrow)
            self.edges.append(arrow)
            if len(label) > LABEL_CHARS and " = " in label:
                label = label.replace(" = ", "\n= ", 1)
            x, y = _free_spot(last_leg, label, placed)
            self.labels.append(ax.text(
                x, y, label, ha="center", va="center", fontsize=8.5, color="#1a4e8a", zorder=4,
                bbox=dict(boxstyle="round,pad=0.18", fc="white", ec="#9ab8d8", lw=0.6)))
        self.boxes, self.texts = [], []
        for i, (x, y) in sorted(pos.items()):
            box = FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H,
                                 boxstyle="round,pad=0.02,rounding_size=0.15", zorder=2)
            ax.add_patch(box)
            self.boxes.append(box)
            self.texts.append([
                ax.text(x, y + 0.3, animation.heads[i], ha="center", va="center",
                        fontsize=9.5, weight="bold", zorder=3),
                ax.text(x, y, "", ha="center", va="center", fontsize=9, zorder=3),
                ax.text(x, y - 0.3, "", ha="center", va="center", fontsize=9, zorder=3,
                        weight="bold")])

    def frame(self, step) -> np.ndarray:
        """The figure restyled for ``step``, as RGB pixels."""
        a = self.animation
        values, extras = _box_texts(a, step)
        backward = _pass(step.kind) == "backward"
        extra_colour = TANGENT_COLOUR if _forward_mode(a) else ADJOINT_COLOUR
        for i, box in enumerate(self.boxes):
            style = _box_style(a.roles[i], step.status[i])
            box.set_facecolor(style["fc"])
            box.set_edgecolor(style["ec"])
            box.set_linewidth(style["lw"])
            box.set_linestyle(style["ls"])
            head, value, extra = self.texts[i]
            head.set_color("#777777" if step.status[i] == "pending" else "black")
            value.set_text(values[i][0])
            value.set_color("black" if values[i][1] else PENDING_GREY)
            extra.set_text(extras[i][0])
            extra.set_color(extra_colour if extras[i][1] else PENDING_GREY)
        for arrow, label, status in zip(self.edges, self.labels, step.edge_status):
            current = status == "current"
            colour = ((ADJOINT_COLOUR if backward else TANGENT_COLOUR) if current else
                      "#c8c8c8" if status == "pending" else "#555555")
            arrow.set_color(colour)
            arrow.set_linewidth(3.0 if current else 1.2)
            # an adjoint flows back along its edge: the arrowhead turns to the tail
            arrow.set_arrowstyle(("<|-" if current and backward else "-|>")
                                 + ",head_length=6,head_width=3")
            label.set_visible(status != "pending")
            label.get_bbox_patch().set_edgecolor(CURRENT_EDGE if current else "#9ab8d8")
        self.counter.set_text(f"step {step.number} of {len(a.steps)}")
        self.phase.set_text(step.phase)
        lines = [w for line in step.lines for w in textwrap.wrap(line, self.wrap) or [""]]
        self.caption.set_text("\n".join(lines[:CAPTION_LINES]))
        self.fig.canvas.draw()
        return np.asarray(self.fig.canvas.buffer_rgba())[..., :3].copy()


def _palette(frames: list) -> np.ndarray:
    """The 128 commonest colours of all frames (sampled: every 4th pixel each way). The flat
    colours of the boxes, the text and the paper are among them exactly, so they stay exact;
    only the edges of antialiased text fall on a neighbour."""
    sample = np.concatenate([f[::4, ::4].reshape(-1, 3) for f in frames])
    keys = _keys(sample)
    uniq, counts = np.unique(keys, return_counts=True)
    common = uniq[np.argsort(-counts, kind="stable")[:COLOURS]]
    return np.stack([(common >> 16) & 255, (common >> 8) & 255, common & 255], axis=1)


def _keys(pixels: np.ndarray) -> np.ndarray:
    p = pixels.astype(np.int64)
    return (p[:, 0] << 16) | (p[:, 1] << 8) | p[:, 2]


def _indexed(frame: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Each pixel's nearest palette entry (computed once per distinct colour)."""
    uniq, inverse = np.unique(_keys(frame.reshape(-1, 3)), return_inverse=True)
    colours = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1)
    distance = ((colours[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
    return distance.argmin(axis=1).astype(np.uint8)[inverse].reshape(frame.shape[:2])


def render_gif(animation) -> bytes:
    """The GIF's bytes: one frame per step, each shown long enough to read its caption. One
    palette serves every frame and no dithering is used, so text stays crisp and no colour
    flickers from frame to frame."""
    from PIL import Image
    drawing = _Drawing(animation)
    pixels = [drawing.frame(s) for s in animation.steps]  # a figure pyplot never kept
    palette = _palette(pixels)
    flat = [int(v) for v in palette.reshape(-1)]
    frames = []
    for p in pixels:
        image = Image.fromarray(_indexed(p, palette), mode="P")
        image.putpalette(flat)
        frames.append(image)
    durations = [FRAME_MS] * len(frames)
    durations[0], durations[-1] = FIRST_MS, LAST_MS
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:],
                   duration=durations, loop=0, optimize=False)
    return out.getvalue()
