"""Calendars are effective-dated (SEMANTICS §10): changed service hours come into force at
the apply's instant; a ticket clock keeps the hours in force at its start, while scheduled
time follows the hours in force at each instant."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from accord.agreements.api import calendar_out
from accord.agreements.models import Calendar, CalendarVersion
from accord.agreements.schemas import CalendarOut
from accord.evaluation.calendars import Calendars
from accord.evaluation.services import evaluate_agreement
from accord.manifests.apply import apply_paths
from accord.manifests.errors import ManifestInvalid
from tests.evaluation.conftest import BASE, T0, Apply, agreement, at, clock, make_ticket, ts
from tests.evaluation.test_ticket_clocks import BOTH, sla

WIDER = BASE.replace('"09:00-17:00"', '"08:00-18:00"')


def apply_wider(tmp_path: Path, at_text: str) -> None:
    path = tmp_path / "wider.yaml"
    path.write_text(textwrap.dedent(WIDER) + "\n---\n" + textwrap.dedent(sla(BOTH, hours="office")))
    apply_paths([path], effective_from=at(at_text))


def test_clocks_keep_the_hours_in_force_at_their_start(apply: Apply, tmp_path: Path) -> None:
    apply(sla(BOTH, hours="office"))
    before = make_ticket("before", "2026-03-02 08:30")  # Monday, 09:00-17:00 then
    across = make_ticket("across", "2026-03-04 17:30")  # Wednesday evening, still open
    after = make_ticket("after", "2026-03-09 08:30")  # Monday, 08:00-18:00 by then
    apply_wider(tmp_path, "2026-03-05 00:00")

    office = Calendar.objects.get(name="office")
    (kept,) = CalendarVersion.objects.filter(calendar=office)
    assert kept.until == at("2026-03-05 00:00") and kept.weekly[0] == [[540, 1020]]
    assert office.weekly[0] == [[480, 1080]]

    evaluate_agreement(agreement("sla"), as_of=at("2026-03-10 00:00"))
    # Response within 1h of office hours, never answered.
    assert clock("sla", before, "response").breach_at == at("2026-03-02 10:00")
    # Opened under the old hours: Thursday's clock starts at 09:00, not at the new 08:00.
    assert clock("sla", across, "response").breach_at == at("2026-03-05 10:00")
    assert clock("sla", after, "response").breach_at == at("2026-03-09 09:30")


def test_scheduled_time_follows_the_hours_of_each_instant(apply: Apply, tmp_path: Path) -> None:
    apply(sla(BOTH, hours="office"))
    apply_wider(tmp_path, "2026-03-05 00:00")
    calendars = Calendars(ts("2026-03-01 00:00"), ts("2026-03-15 00:00"))
    compiled = calendars.compiled(Calendar.objects.get(name="office"), with_changes=False)
    opens = set(compiled.opens.tolist())
    assert ts("2026-03-04 09:00") in opens and ts("2026-03-04 08:00") not in opens
    assert ts("2026-03-05 08:00") in opens and ts("2026-03-09 08:00") in opens


def test_a_change_cannot_come_before_the_last_one(apply: Apply, tmp_path: Path) -> None:
    apply(sla(BOTH, hours="office"))
    apply_wider(tmp_path, "2026-03-05 00:00")
    path = tmp_path / "narrow.yaml"
    narrower = BASE.replace('"09:00-17:00"', '"10:00-16:00"')
    path.write_text(
        textwrap.dedent(narrower) + "\n---\n" + textwrap.dedent(sla(BOTH, hours="office"))
    )
    with pytest.raises(ManifestInvalid, match="calendar office: changed hours must come into"):
        apply_paths([path], effective_from=at("2026-03-01 00:00"))
    assert Calendar.objects.get(name="office").weekly[0] == [[480, 1080]]  # nothing written
    apply_paths([path], effective_from=T0.replace(month=4))
    assert CalendarVersion.objects.count() == 2


def test_the_api_shows_the_earlier_hours(apply: Apply, tmp_path: Path) -> None:
    apply(sla(BOTH, hours="office"))
    apply_wider(tmp_path, "2026-03-05 00:00")
    shown = CalendarOut.model_validate(calendar_out(Calendar.objects.get(name="office")))
    assert shown.weekly[0] == [[480, 1080]]
    (earlier,) = shown.earlier
    assert earlier.until == at("2026-03-05 00:00") and earlier.weekly[0] == [[540, 1020]]
