"""Shared fixtures. Tests under tests/engine need no database and never touch Django."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_EXAMPLES = REPO.parent / "shared" / "examples" / "northwind"
DEMO_MANIFESTS = REPO / "src" / "accord" / "manifests" / "demo"


@pytest.fixture
def northwind() -> Path:
    """The Northwind manifests shipped with Accord (identical to ../shared/examples)."""
    return DEMO_MANIFESTS
