"""Service credits (SEMANTICS §8)."""

from __future__ import annotations

import math

import pytest

from accord.engine.credits import (
    CreditBand,
    agreement_credit,
    applicable_band,
    credit_percents,
    target_credit,
)

STORE_BANDS = [CreditBand(99.9, 5), CreditBand(99.5, 10), CreditBand(99.0, 25)]


@pytest.mark.parametrize(
    ("attainment", "percent"),
    [
        (99.376, 10),  # the worked example: bands below 99.9 and 99.5 apply → 99.5 wins
        (99.95, 0),
        (99.9, 0),  # `below` is strict: exactly 99.9 is not below 99.9
        (99.89, 5),
        (99.5, 5),
        (98.0, 25),
        (None, 0),  # no data, no credit
    ],
)
def test_bands(attainment: float | None, percent: float) -> None:
    band = applicable_band(attainment, STORE_BANDS)
    assert (0 if band is None else band.percent) == percent
    assert target_credit(attainment, STORE_BANDS, 12_000) == percent * 120
    vectorised = credit_percents([math.nan if attainment is None else attainment], STORE_BANDS)
    assert vectorised.tolist() == [percent]


def test_credits_add_up_and_the_cap_limits_them() -> None:
    resolution_bands = [CreditBand(90, 5)]
    under_cap = agreement_credit(
        [99.376, 95.0], [STORE_BANDS, resolution_bands], charge=12_000, cap_percent=25
    )
    assert under_cap.by_target == (1200.0, 0.0) and under_cap.total == 1200 and not under_cap.capped
    over_cap = agreement_credit(
        [98.0, 80.0], [STORE_BANDS, resolution_bands], charge=12_000, cap_percent=25
    )
    assert over_cap.uncapped == 3000 + 600 and over_cap.total == 3000 and over_cap.capped
    uncapped = agreement_credit(
        [98.0, None], [STORE_BANDS, resolution_bands], charge=12_000, cap_percent=None
    )
    assert uncapped.total == 3000
    with pytest.raises(ValueError, match="one list of bands"):
        agreement_credit([98.0], [], charge=1, cap_percent=None)
