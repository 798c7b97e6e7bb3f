"""Running `accord import` on small inline files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accord.catalogue.models import Party, Subject


@dataclass
class Outcome:
    status: int
    out: str
    err: str

    @property
    def summary(self) -> str:
        lines = self.out.strip().splitlines()
        return lines[-1] if lines else ""


Importer = Callable[..., Outcome]


def run_import(*args: str | Path) -> Outcome:
    out, err = StringIO(), StringIO()
    try:
        call_command("import", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        return Outcome(exc.returncode, out.getvalue(), err.getvalue())
    return Outcome(0, out.getvalue(), err.getvalue())


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """write(name, text) → the path of a file holding `text`."""

    def write_file(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write_file


@pytest.fixture
def service(db: None) -> Subject:
    return Subject.objects.create(kind="service", name="email")


@pytest.fixture
def component(db: None) -> Subject:
    return Subject.objects.create(kind="component", name="mail-relay")


@pytest.fixture
def customer(db: None) -> Party:
    return Party.objects.create(role="customer", name="sales")
