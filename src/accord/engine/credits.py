"""Service credits (SEMANTICS §8): bands on a target's period attainment, summed, capped.

Of the bands whose `below` is greater than the attainment, the one with the smallest
`below` applies (99.376 with bands below 99.9 / 99.5 / 99.0 → the 99.5 band); the credit
is its percent of the agreement's period charge. An agreement's target credits add up
and `creditCap` (percent of the period charge) limits the total. No data, no credit.
The same bands on an underpinning contract give the credits receivable from a supplier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from accord.engine.intervals import FloatArray, as_float_array


@dataclass(frozen=True)
class CreditBand:
    below: float  # attainment percent the band starts under
    percent: float  # credit, percent of the period charge


@dataclass(frozen=True)
class AgreementCredit:
    """The credits of an agreement's targets in one period."""

    by_target: tuple[float, ...]  # amounts, in the charge's currency
    uncapped: float
    total: float  # after the cap
    capped: bool


def applicable_band(attainment: float | None, bands: Sequence[CreditBand]) -> CreditBand | None:
    """The band that applies, or None (attainment high enough, or no data)."""
    if attainment is None:
        return None
    under = [band for band in bands if band.below > attainment]
    return min(under, key=lambda band: band.below) if under else None


def credit_percents(attainments: npt.ArrayLike, bands: Sequence[CreditBand]) -> FloatArray:
    """The applicable band's percent for each attainment (NaN = no data → 0), vectorised."""
    values = as_float_array(attainments)
    ordered = sorted(bands, key=lambda band: band.below)
    belows = np.array([band.below for band in ordered], dtype=np.float64)
    percents = np.array([band.percent for band in ordered] + [0.0], dtype=np.float64)
    # The first `below` strictly greater than the attainment; none → the trailing 0.
    index = np.searchsorted(belows, values, side="right")
    return np.where(np.isnan(values), 0.0, percents[index])


def target_credit(attainment: float | None, bands: Sequence[CreditBand], charge: float) -> float:
    band = applicable_band(attainment, bands)
    return 0.0 if band is None else band.percent * charge / 100.0


def agreement_credit(
    attainments: Sequence[float | None],
    bands: Sequence[Sequence[CreditBand]],
    *,
    charge: float,
    cap_percent: float | None,
) -> AgreementCredit:
    """Credits of each target (attainments[i] under bands[i]), added up and capped."""
    if len(attainments) != len(bands):
        raise ValueError("one list of bands per target attainment")
    by_target = tuple(target_credit(a, b, charge) for a, b in zip(attainments, bands, strict=True))
    uncapped = sum(by_target)
    limit = None if cap_percent is None else cap_percent * charge / 100.0
    total = uncapped if limit is None else min(uncapped, limit)
    return AgreementCredit(by_target, uncapped, total, limit is not None and uncapped > limit)
