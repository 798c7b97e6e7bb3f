"""The small, explicit statistics behind review packs: linear trends, means, margins.

Plain functions over lists of floats, so each figure a pack states can be checked by
hand. No Django here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """Least-squares line y = intercept + slope × x over x = 0, 1, …, n − 1 (one step per
    period, oldest first)."""

    slope: float
    intercept: float
    n: int

    def at(self, x: float) -> float:
        return self.intercept + self.slope * x

    def ahead(self, steps: int) -> float:
        """The value the line reaches `steps` periods after the last one."""
        return self.at(self.n - 1 + steps)


def fit_line(values: Sequence[float]) -> Line | None:
    """Ordinary least squares; None with fewer than 3 points (a trend of two points is
    just their difference, too weak to propose anything on)."""
    n = len(values)
    if n < 3:
        return None
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    sxx = sum((x - mean_x) ** 2 for x in range(n))
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    slope = sxy / sxx
    return Line(slope=slope, intercept=mean_y - slope * mean_x, n=n)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def wide_margin(objective: float, share: float) -> float:
    """The attainment a target must reach to be 'met by a wide margin': the objective
    plus `share` of what remains above it (its error budget), e.g. 95 and ½ → 97.5."""
    return objective + share * (100.0 - objective)
