"""Line charts as server-rendered SVG (an intranet without a CDN, and a strict CSP
that forbids inline styles and scripts): this module does the geometry, the
`line_chart` macro in templates/_chart.html draws it. Every chart keeps its
numbers beside the picture (`rows`), so a screen reader and a test read the same
figures the plot shows.

Lines are told apart without colour (issue 21, "Figures people can read"): each
series has its own marker shape and dash pattern, and the legend shows the same
marker on the same dash. A month still running (`partial`) is not drawn like a
full one: its points are open markers, the segment into it is dotted, and its
label says how far it goes ("11月" over "截至24日")."""
import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 600, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 14, 30
PARTIAL_BOTTOM = 52  # room for the second line under the axis: "截至24日"
PALETTE_SIZE = 10  # classes s0 … s9 in portal.css (ten 街镇)
# One marker and one dash per series, so that no two of the first eight lines
# (a 街镇's communities and its total) look alike in grey.
MARKERS = ("circle", "square", "triangle", "diamond", "triangle-down", "plus", "cross", "star")
DASHES = ("", "9 4", "2 3", "9 3 2 3")  # solid, dashed, dotted, dash-dot (SVG stroke-dasharray)
PARTIAL_DASH = "1 5"  # the segment into a month still running: sparse dots
MARKER_R, EMPHASIS_R = 4.5, 5.5


def _polygon(points) -> str:
    return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z"


def marker_path(shape: str, x: float, y: float, r: float) -> str:
    """The SVG path of a marker of about radius `r` centred on (x, y). Every shape
    is closed, so an open (partial-month) marker is its outline."""
    if shape == "circle":
        return f"M{x - r:.1f},{y:.1f}a{r:g},{r:g} 0 1,0 {2 * r:g},0a{r:g},{r:g} 0 1,0 {-2 * r:g},0Z"
    if shape == "square":
        s = r * 0.85
        return _polygon([(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s)])
    if shape in ("triangle", "triangle-down"):
        d = -1 if shape == "triangle" else 1
        return _polygon([(x, y + d * r * 1.2), (x + r * 1.1, y - d * r * 0.7), (x - r * 1.1, y - d * r * 0.7)])
    if shape == "diamond":
        s = r * 1.25
        return _polygon([(x, y - s), (x + s, y), (x, y + s), (x - s, y)])
    if shape in ("plus", "cross"):
        a, w = r * 1.15, r * 0.42
        arm = [(-w, -a), (w, -a), (w, -w), (a, -w), (a, w), (w, w), (w, a), (-w, a), (-w, w), (-a, w), (-a, -w),
               (-w, -w)]
        turn = 0 if shape == "plus" else math.pi / 4
        c, s = math.cos(turn), math.sin(turn)
        return _polygon([(x + px * c - py * s, y + px * s + py * c) for px, py in arm])
    if shape == "star":
        outer, inner = r * 1.3, r * 0.55
        return _polygon([(x + (outer if k % 2 == 0 else inner) * math.sin(k * math.pi / 5),
                          y - (outer if k % 2 == 0 else inner) * math.cos(k * math.pi / 5)) for k in range(10)])
    raise ValueError(f"unknown marker {shape!r}")


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str   # the x label, e.g. "11月"
    text: str    # the value as shown, e.g. "96.5%"
    partial: bool = False  # a month still running


@dataclass
class Line:
    name: str
    css: str                       # "s0" … "s9": colour class
    segments: list[list[Point]]    # broken where a value is missing
    emphasis: bool = False         # a total drawn over its parts
    marker: str = MARKERS[0]
    dash: str = ""                 # stroke-dasharray; "" is a solid line

    @property
    def points(self) -> list[Point]:
        return [p for segment in self.segments for p in segment]

    @property
    def radius(self) -> float:
        return EMPHASIS_R if self.emphasis else MARKER_R

    @property
    def paths(self) -> list[tuple[str, bool]]:
        """The polylines to draw, as (points, partial?): a segment's full months,
        then, dotted, its step into a month still running."""
        drawn = []
        for segment in self.segments:
            full = [p for p in segment if not p.partial]
            if len(full) > 1:
                drawn.append((_points(full), False))
            if full and len(full) < len(segment):
                drawn.append((_points([full[-1], *segment[len(full):]]), True))
        return drawn

    @property
    def markers(self) -> list[tuple[Point, str]]:
        return [(p, marker_path(self.marker, p.x, p.y, self.radius)) for p in self.points]

    def sample(self, x: float = 16, y: float = 7) -> str:
        """The marker as the legend shows it, on a short stretch of the line."""
        return marker_path(self.marker, x, y, self.radius)


def _points(points: list[Point]) -> str:
    return " ".join(f"{p.x},{p.y}" for p in points)


@dataclass
class LineChart:
    id: str
    title: str
    labels: list[str]
    lines: list[Line]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str, str, str]]  # (x, label, text-anchor, second line)
    target: tuple[float, str] | None = None
    rows: list[tuple[str, list[str]]] = field(default_factory=list)  # (series name, value texts)
    partial: tuple[int, str] | None = None  # (index of the month still running, e.g. "截至24日")
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM

    @property
    def empty(self) -> bool:
        return not any(line.points for line in self.lines)

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def partial_dash(self) -> str:
        return PARTIAL_DASH

    @property
    def partial_sample(self) -> str:
        """The legend's open marker for the running month."""
        return marker_path("circle", 16, 7, MARKER_R)

    @property
    def column_labels(self) -> list[str]:
        """The labels of the data table: the running month says how far it goes."""
        if not self.partial:
            return list(self.labels)
        index, note = self.partial
        return [f"{label}（{note}）" if n == index else label for n, label in enumerate(self.labels)]


def _nice_max(value: float) -> float:
    """A round top for the y axis at or above `value` (1, 2, 2.5, 5 × 10^k)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 0.1
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return float(top)
    return float(10 * magnitude)


def _anchor(index: int, count: int) -> str:
    """The outermost month labels lean inwards, so none is cut at the edge."""
    if count > 1 and index == 0:
        return "start"
    if count > 1 and index == count - 1:
        return "end"
    return "middle"


def _tick_lines(label: str, note: str) -> tuple[str, str]:
    """The two lines under the axis: "2026年6月" is "6月" over "2026年" (a phone's
    narrow plot has no room for it on one line), a running month its note below."""
    year, sep, rest = label.partition("年")
    if sep and year.isdigit() and rest:
        return rest, f"{year}年" + (f" {note}" if note else "")
    return label, note


def line_chart(chart_id: str, title: str, labels: list[str], series: list[tuple[str, list]], *,
               y_max: float | None = None, fmt=lambda v: f"{v:g}", target: float | None = None,
               target_label: str = "", emphasis: str | None = None, ticks: int = 2,
               partial: tuple[int, str] | None = None) -> LineChart:
    """Geometry of a line chart: `series` are (name, values) with one value per
    label, None where there is no figure (the line breaks there rather than
    pretending a zero). The y axis runs from 0 to `y_max` (default: a round number
    above the largest value and the target); `fmt` turns a value into its text.
    `partial` is (index, note) of a label still running, e.g. the month in which
    today falls: (11, "截至24日")."""
    values = [v for _, vs in series for v in vs if v is not None]
    top = y_max if y_max is not None else _nice_max(max([*values, target or 0, 0]))
    ticks_text = [_tick_lines(label, partial[1] if partial and partial[0] == i else "")
                  for i, label in enumerate(labels)]
    bottom = PARTIAL_BOTTOM if any(second for _, second in ticks_text) else BOTTOM
    height = HEIGHT - BOTTOM + bottom
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    partial_index = partial[0] if partial else None

    def x_of(index: int) -> float:
        if len(labels) == 1:
            return LEFT + plot_w / 2
        return round(LEFT + index * plot_w / (len(labels) - 1), 1)

    def y_of(value: float) -> float:
        clamped = min(max(float(value), 0.0), top)
        return round(TOP + plot_h - clamped * plot_h / top, 1)

    lines, rows = [], []
    for n, (name, vs) in enumerate(series):
        segments, current = [], []
        for index, value in enumerate(vs):
            if value is None:
                if current:
                    segments.append(current)
                current = []
                continue
            current.append(Point(x_of(index), y_of(value), labels[index], fmt(value), index == partial_index))
        if current:
            segments.append(current)
        lines.append(Line(name, f"s{n % PALETTE_SIZE}", segments, emphasis=name == emphasis,
                          marker=MARKERS[n % len(MARKERS)], dash="" if name == emphasis else DASHES[n % len(DASHES)]))
        rows.append((name, [fmt(v) if v is not None else "—" for v in vs]))
    y_ticks = [(y_of(top * k / ticks), fmt(top * k / ticks)) for k in range(ticks + 1)]
    return LineChart(
        id=chart_id, title=title, labels=list(labels), lines=lines, y_ticks=y_ticks,
        x_ticks=[(x_of(i), text, _anchor(i, len(labels)), second) for i, (text, second) in enumerate(ticks_text)],
        target=(y_of(target), target_label or fmt(target)) if target is not None else None, rows=rows,
        partial=partial, height=height, bottom=bottom,
    )
