"""Line charts as server-rendered SVG (an intranet without a CDN, and a strict CSP
that forbids inline styles and scripts): this module does the geometry, the
`line_chart` macro in templates/_chart.html draws it. Every chart keeps its
numbers beside the picture (`rows`), so a screen reader and a test read the same
figures the plot shows."""
from dataclasses import dataclass, field

WIDTH, HEIGHT = 600, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 14, 30
PALETTE_SIZE = 10  # classes s0 … s9 in portal.css (ten 街镇)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str   # the x label, e.g. "11月"
    text: str    # the value as shown, e.g. "96.5%"


@dataclass
class Line:
    name: str
    css: str                       # "s0" … "s9": colour class
    segments: list[list[Point]]    # broken where a value is missing
    emphasis: bool = False         # a total drawn over its parts

    @property
    def points(self) -> list[Point]:
        return [p for segment in self.segments for p in segment]


@dataclass
class LineChart:
    id: str
    title: str
    labels: list[str]
    lines: list[Line]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str, str]]  # (x, label, text-anchor)
    target: tuple[float, str] | None = None
    rows: list[tuple[str, list[str]]] = field(default_factory=list)  # (series name, value texts)
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


def line_chart(chart_id: str, title: str, labels: list[str], series: list[tuple[str, list]], *,
               y_max: float | None = None, fmt=lambda v: f"{v:g}", target: float | None = None,
               target_label: str = "", emphasis: str | None = None, ticks: int = 2) -> LineChart:
    """Geometry of a line chart: `series` are (name, values) with one value per
    label, None where there is no figure (the line breaks there rather than
    pretending a zero). The y axis runs from 0 to `y_max` (default: a round number
    above the largest value and the target); `fmt` turns a value into its text."""
    values = [v for _, vs in series for v in vs if v is not None]
    top = y_max if y_max is not None else _nice_max(max([*values, target or 0, 0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

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
            current.append(Point(x_of(index), y_of(value), labels[index], fmt(value)))
        if current:
            segments.append(current)
        lines.append(Line(name, f"s{n % PALETTE_SIZE}", segments, emphasis=name == emphasis))
        rows.append((name, [fmt(v) if v is not None else "—" for v in vs]))
    y_ticks = [(y_of(top * k / ticks), fmt(top * k / ticks)) for k in range(ticks + 1)]
    return LineChart(
        id=chart_id, title=title, labels=list(labels), lines=lines, y_ticks=y_ticks,
        x_ticks=[(x_of(i), label, _anchor(i, len(labels))) for i, label in enumerate(labels)],
        target=(y_of(target), target_label or fmt(target)) if target is not None else None, rows=rows,
    )
