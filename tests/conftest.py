"""Shared fixtures. Tests under tests/engine need no database and never touch Django."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_EXAMPLES = REPO.parent / "shared" / "examples" / "northwind"
DEMO_MANIFESTS = REPO / "src" / "accord" / "manifests" / "demo"


@pytest.fixture
def northwind() -> Path:
    """The Northwind manifests shipped with Accord (identical to ../shared/examples)."""
    return DEMO_MANIFESTS


DEMO_AS_OF = "2026-11-30T12:00:00+00:00"


@pytest.fixture
def demo_estate(db: None) -> datetime:
    """The Northwind demo, nine months of generated measurements and every agreement
    evaluated (all periods) as of DEMO_AS_OF, which is returned. About 3 s: share it
    within a test rather than across many small ones."""
    from django.utils import timezone

    from accord.evaluation.services import agreements_in_force, evaluate_agreement
    from accord.manifests.apply import apply_paths
    from accord.measurements.demo import generate

    as_of = datetime.fromisoformat(DEMO_AS_OF)
    apply_paths([DEMO_MANIFESTS], effective_from=timezone.now())
    generate(as_of=as_of, seed=2026)
    for agreement in agreements_in_force():
        evaluate_agreement(agreement, as_of=as_of, full=True)
    return as_of
