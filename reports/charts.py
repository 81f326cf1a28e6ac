"""Geometry for the dashboard's server-side SVG charts (no JavaScript, printable)."""

from dataclasses import dataclass

from core import display

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 36


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    show_label: bool
    url: str = ""
    count: int = 0


@dataclass
class Tick:
    y: float
    text: str


def _scale_max(values: list[float], percent: bool) -> float:
    if percent:
        return 100.0
    top = max(values, default=0)
    if top <= 0:
        return 1.0
    # A round upper bound (1, 2, 5 x 10^n) so the gridlines read well.
    magnitude = 10 ** (len(str(int(top))) - 1)
    for step in (1, 2, 5, 10):
        if top <= step * magnitude:
            return float(step * magnitude)
    return float(top)


def _ticks(top: float, percent: bool) -> list[Tick]:
    plot = HEIGHT - TOP - BOTTOM
    ticks = []
    for i in range(5):
        value = top * i / 4
        text = display.percent(value / 100, 0) if percent else display.number(value)
        ticks.append(Tick(y=round(TOP + plot - plot * i / 4, 1), text=text))
    return ticks


def bar_chart(
    points: list[tuple[str, float | None]], *, percent: bool = False, label_every: int = 1
) -> dict:
    """Bars for (label, value) pairs; a None value draws no bar but keeps its slot."""
    values = [point[1] or 0 for point in points]
    top = _scale_max(values, percent)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    bars = []
    for i, (label, value, *link) in enumerate(points):
        url, count = link if link else ("", 0)
        h = plot_h * (value or 0) / top
        text = "\u2013" if value is None else (display.percent(value / 100, 0) if percent else display.number(value))
        bars.append(
            Bar(
                x=round(LEFT + i * slot + slot * 0.15, 1),
                y=round(TOP + plot_h - h, 1),
                width=round(slot * 0.7, 1),
                height=round(h, 1),
                label=str(label),
                value=text,
                show_label=i % label_every == 0,
                url=url if count else "",
                count=count,
            )
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "ticks": _ticks(top, percent),
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": HEIGHT - BOTTOM,
        "slot": slot,
    }


def line_chart(points: list[tuple[str, float]], *, label_every: int = 1) -> dict:
    """A polyline through (label, value) pairs, one point per slot."""
    values = [point[1] for point in points]
    top = _scale_max(values, False)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points) - 1, 1)
    dots = []
    for i, (label, value, *link) in enumerate(points):
        url, count = link if link else ("", 0)
        dots.append(
            {
                "x": round(LEFT + i * step, 1),
                "y": round(TOP + plot_h - plot_h * value / top, 1),
                "label": str(label),
                "value": value,
                "show_label": i % label_every == 0,
                "url": url if count else "",
                "count": count,
            }
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "dots": dots,
        "ticks": _ticks(top, False),
        "polyline": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": HEIGHT - BOTTOM,
    }
