"""The archive of settled clocks: blocks round-trip exactly, and replacing tickets keeps
every ticket's clocks in its one leaf, whatever the order of writes."""

from __future__ import annotations

import numpy as np
import pytest

from accord.evaluation import archive
from accord.evaluation.archive import ArchivedClocks, Settled
from accord.evaluation.models import ClockArchive, ClockStatus
from accord.evaluation.queries import clock_results
from accord.evaluation.services import evaluate_agreement
from tests.evaluation.conftest import Apply, agreement, at, clock, make_ticket
from tests.evaluation.test_ticket_clocks import BOTH, sla

THRESHOLDS = {"response": 3600, "resolution": 28_800}


def settled(tickets: list[int], *, start: int = 1_767_225_600) -> dict[str, Settled]:
    """A response and a resolution clock per ticket, figures derived from the ticket id."""
    ids = np.array(sorted(tickets), np.int64)
    n = ids.size
    business = ids * 7 % 3600
    return {
        name: Settled(
            {
                "ticket": ids,
                "target": np.zeros(n, np.int64),
                "period": np.zeros(n, np.int64),
                "threshold": np.full(n, threshold, np.int64),
                "started": start + ids * 60,
                "stopped": start + ids * 60 + business + 5,
                "business": business,
                "actual": business + 5,
            },
            [(name, 11, 21)],
            ["2026-01"],
        )
        for name, threshold in THRESHOLDS.items()
    }


def stored(agreement_id: int) -> dict[int, list[tuple[str, int]]]:
    """ticket → [(target, business elapsed)] over every block, checking the leaf rule."""
    found: dict[int, list[tuple[str, int]]] = {}
    for name in THRESHOLDS:
        blocks = ClockArchive.objects.filter(agreement_id=agreement_id, target_name=name)
        _read_leaves(list(blocks.order_by("first_ticket")), found)
    return {ticket: sorted(clocks, reverse=True) for ticket, clocks in found.items()}


def _read_leaves(blocks: list[ClockArchive], found: dict[int, list[tuple[str, int]]]) -> None:
    for block, following in zip(blocks, [*blocks[1:], None], strict=True):
        content = archive.decode(block)
        tickets = content.columns["ticket"]
        assert tickets.size == block.clocks and np.all(np.diff(tickets) >= 0)
        assert tickets[0] == block.first_ticket and tickets[-1] == block.last_ticket
        assert following is None or block.last_ticket < following.first_ticket
        for ticket, target, business in zip(
            tickets.tolist(),
            content.columns["target"].tolist(),
            content.columns["business"].tolist(),
            strict=True,
        ):
            assert content.targets[target][0] == block.target_name
            found.setdefault(ticket, []).append((block.target_name, business))


@pytest.fixture
def agreement_id(apply: Apply) -> int:
    apply(sla(BOTH))
    return agreement("sla").pk


def test_a_block_round_trips_exactly(agreement_id: int) -> None:
    clocks = settled([5, 9, 1_000_000, 7_000_000_000])["resolution"]  # 8-byte offsets
    block = archive.encode(agreement_id, "resolution", clocks)
    back = archive.decode(block)
    for name in archive.COLUMNS:
        assert back.columns[name].tolist() == clocks.columns[name].tolist(), name
    assert back.targets == [("resolution", 11, 21)] and back.periods == ["2026-01"]
    assert (block.counted_from, block.counted_until) == (
        int(clocks.columns["stopped"].min()),
        int(clocks.columns["stopped"].max()),
    )


def test_replacing_tickets_rewrites_only_their_leaves(
    agreement_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "BLOCK_CLOCKS", 5)  # five tickets a block per target
    archive.replace(agreement_id, None, settled(list(range(100, 140))))
    assert ClockArchive.objects.count() == 16
    untouched = set(ClockArchive.objects.filter(first_ticket__gte=120).values_list("pk", flat=True))

    # Drop two tickets, change one, add one inside the range and one below every block.
    changed = settled([103, 111, 50])
    for clocks in changed.values():
        clocks.columns["business"][:] = 1
    archive.replace(agreement_id, np.array([103, 104, 111], np.int64), changed)
    archive.replace(agreement_id, np.empty(0, np.int64), settled([141, 142, 143]))

    found = stored(agreement_id)
    expected = set(range(100, 140)) - {104} | {50, 141, 142, 143}
    assert set(found) == expected
    assert found[103] == [("response", 1), ("resolution", 1)]
    assert found[111] == [("response", 1), ("resolution", 1)]
    assert found[120] == [("response", 120 * 7 % 3600), ("resolution", 120 * 7 % 3600)]
    # Of the blocks of tickets 120–139, only each target's last took in 141–143.
    assert len(untouched - set(ClockArchive.objects.values_list("pk", flat=True))) == 2
    assert all(block.clocks <= 2 * 5 for block in ClockArchive.objects.all())


def test_clocks_settled_as_before_leave_their_blocks_alone(
    agreement_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Routine evaluation re-evaluates the tickets with running clocks, whose other
    targets' clocks are mostly archived already and come out the same."""
    monkeypatch.setattr(archive, "BLOCK_CLOCKS", 5)
    archive.replace(agreement_id, None, settled(list(range(100, 140))))
    before = set(ClockArchive.objects.values_list("pk", flat=True))
    again = settled([103, 111, 125])
    # The same clocks under another vocabulary (codes differ, keys do not).
    for clocks in again.values():
        clocks.targets.insert(0, ("unrelated", 1, 1))
        clocks.periods.insert(0, "2025-12")
        clocks.columns["target"] += 1
        clocks.columns["period"] += 1
    archive.replace(agreement_id, np.array([103, 111, 125], np.int64), again)
    assert set(ClockArchive.objects.values_list("pk", flat=True)) == before

    moved = settled([103])
    moved["response"].columns["stopped"] += 1
    archive.replace(agreement_id, np.array([103], np.int64), moved)
    after = set(ClockArchive.objects.values_list("pk", flat=True))
    assert len(before - after) == 1  # the response's leaf of 103; its resolution is the same
    assert stored(agreement_id)[103] == [
        ("response", 103 * 7 % 3600),
        ("resolution", 103 * 7 % 3600),
    ]


def test_listing_follows_one_order_across_blocks(
    agreement_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "BLOCK_CLOCKS", 2)
    archive.replace(agreement_id, None, settled([3, 1, 2, 8, 5]))
    chosen = ArchivedClocks.select([agreement_id], target="resolution")
    assert chosen.count == 5
    first = chosen.first(3)
    # Latest started first: tickets 8, 5, 3; met, counted at their stop.
    assert [(c.ticket_id, c.target_name) for c in first] == [
        (8, "resolution"),
        (5, "resolution"),
        (3, "resolution"),
    ]
    assert all(c.status == ClockStatus.MET and c.counted_at == c.stopped_at for c in first)
    assert first[0].percent_elapsed == 8 * 7 * 100.0 / 28_800
    hidden = ArchivedClocks.select([agreement_id], hidden=np.array([8, 5], np.int64))
    assert hidden.count == 6


def test_a_met_clock_is_archived_and_moves_back_to_a_row_when_reopened(apply: Apply) -> None:
    apply(sla(BOTH))
    ticket = make_ticket(
        "t",
        "2026-03-02 10:00",
        state="resolved",
        responded="2026-03-02 10:10",
        resolved="2026-03-02 11:00",
    )
    evaluate_agreement(agreement("sla"), as_of=at("2026-03-02 12:00"))
    assert clock("sla", ticket, "resolution").pk is None  # archived
    assert sorted(ClockArchive.objects.values_list("target_name", "clocks")) == [
        ("resolution", 1),
        ("response", 1),
    ]

    ticket.state, ticket.resolved_at = "in-progress", None
    ticket.save()
    evaluate_agreement(agreement("sla"), as_of=at("2026-03-02 12:30"))
    reopened = clock("sla", ticket, "resolution")
    assert reopened.pk is not None and reopened.status == ClockStatus.OPEN
    assert clock("sla", ticket, "response").pk is None  # still met, still archived
    assert list(ClockArchive.objects.values_list("target_name", "clocks")) == [("response", 1)]


def test_a_deleted_ticket_takes_its_archived_clocks_along(apply: Apply) -> None:
    apply(sla(BOTH))
    kept, deleted = (
        make_ticket(name, "2026-03-02 10:00", state="resolved", responded="2026-03-02 10:10",
                    resolved="2026-03-02 11:00")
        for name in ("kept", "deleted")
    )  # fmt: skip
    evaluate_agreement(agreement("sla"), as_of=at("2026-03-02 12:00"))
    assert len(clock_results()) == 4
    deleted.delete()
    assert {c.ticket_id for c in clock_results()} == {kept.pk}
