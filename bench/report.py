"""The table every run prints, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Figure:
    name: str
    value: float | None
    baseline: float | None
    unit: str
    target: str = ""  # e.g. "ratio >= 0.25", "<= 50 ms"
    met: bool | None = None
    ratio: float | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.ratio is None and self.value is not None and self.baseline:
            self.ratio = self.value / self.baseline

    def as_dict(self) -> dict[str, Any]:
        return {
            "figure": self.name,
            "value": self.value,
            "baseline": self.baseline,
            "unit": self.unit,
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "target": self.target,
            "met": self.met,
            "note": self.note,
        }


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"


def print_table(title: str, figures: list[Figure]) -> None:
    headers = ("figure", "value", "baseline", "ratio", "target", "met?")
    rows = [
        (
            f.name,
            f"{_num(f.value)} {f.unit}".strip(),
            _num(f.baseline),
            "—" if f.ratio is None else f"{f.ratio:.3g}",
            f.target,
            {True: "yes", False: "NO", None: ""}[f.met],
        )
        for f in figures
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{title}\n{line}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print(line)
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    print(line)
    for f in figures:
        if f.note:
            print(f"  {f.name}: {f.note}")
    print(flush=True)
