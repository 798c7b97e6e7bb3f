"""The review pack from hand-made period results, and its PDF against its JSON."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from accord.agreements.models import Agreement
from accord.reviews import services
from accord.reviews.documents import pack_document, render_pack
from accord.reviews.models import Action, Review
from accord.reviews.packs import Pack, build_pack
from accord.reviews.templatetags.reviews_extras import format_percent
from tests.reviews import review_support as world

pytestmark = pytest.mark.django_db

MONTHS = [f"2026-0{m}" for m in range(1, 7)]


def _shop_world() -> tuple[Agreement, Review]:
    """shop-sla, reviewed every 3 months; the last review was held on 2026-04-16 and the
    next one is scheduled for 2026-07-15. Six finished months and a running July."""
    boss = world.admin()
    shop = world.agreement("shop-sla", every="P3M", next=date(2026, 7, 15))
    host = world.agreement("host-uc", type=Agreement.Type.UC, until=date(2026, 9, 30))
    later = world.agreement("later-uc", type=Agreement.Type.UC, until=date(2026, 12, 31))
    shop.underpinned_by.set([host, later])

    met = [(m, 100.0, "met") for m in MONTHS] + [("2026-07", 100.0, "met")]
    world.results(shop, "p1-response", met, objective=95, metric="response",
                  volumes=[10, 12, 14, 16, 18, 20, 5], running=["2026-07"])  # fmt: skip
    avail = [99.95, 99.8, 99.95, 99.85, 99.95, 99.95]
    world.results(
        shop, "availability",
        [(m, v, "met" if v >= 99.9 else "breached") for m, v in zip(MONTHS, avail, strict=True)]
        + [("2026-07", 99.92, "at_risk")],
        objective=99.9, running=["2026-07"],
    )  # fmt: skip
    missed = [80.0, 85.0, 70.0, 88.0, 60.0, 75.0]
    world.results(shop, "p3-resolution",
                  [(m, v, "breached") for m, v in zip(MONTHS, missed, strict=True)],
                  objective=90, metric="resolution", volumes=[5] * 6)  # fmt: skip
    falling = [100.0, 99.0, 98.0, 97.0, 96.0, 95.0]
    world.results(shop, "p2-response",
                  [(m, v, "met") for m, v in zip(MONTHS, falling, strict=True)],
                  objective=95, metric="response", volumes=[8] * 6)  # fmt: skip
    host_results = [("2026-05", 99.9, "met"), ("2026-06", 99.0, "breached")]
    world.results(host, "availability", host_results, objective=99.5)

    previous = Review.objects.create(agreement=shop, scheduled_for=date(2026, 4, 15))
    services.hold_review(previous, user=boss, held_at=datetime(2026, 4, 16, 10, tzinfo=UTC))
    Review.objects.filter(agreement=shop, scheduled_for=date(2026, 7, 15)).delete()
    review = Review.objects.create(agreement=shop, scheduled_for=date(2026, 7, 15))

    services.create_action(title="Open from April", due=date(2026, 5, 1), user=boss,
                           review=previous, owner_name="Ann")  # fmt: skip
    done = services.create_action(title="Done in May", due=date(2026, 5, 1), user=boss,
                                  review=previous, owner_name="Bob")  # fmt: skip
    services.set_action_status(done, status=Action.Status.DONE, user=boss)
    services.create_action(title="Standing item", due=date(2026, 8, 1), user=boss,
                           agreement=shop, owner_name="Cy")  # fmt: skip
    services.create_action(title="Made in July", due=date(2026, 9, 1), user=boss,
                           review=review, owner_name="Di")  # fmt: skip
    return shop, review


def test_pack_sections_from_hand_made_results() -> None:
    shop, review = _shop_world()
    pack = build_pack(review)

    assert pack.agreement == shop
    assert pack.review_date == date(2026, 7, 15) and pack.since == date(2026, 4, 16)
    assert [a.title for a in pack.outstanding] == ["Open from April", "Standing item"]
    # Periods that ended after the previous review, the running July included.
    assert pack.periods == ["2026-04", "2026-05", "2026-06", "2026-07"]
    p1 = next(s for s in pack.performance if s.target == "p1-response")
    assert [(c.period, c.final) for c in p1.cells][-1] == ("2026-07", False)

    repeated = {r.target: r for r in pack.repeated}
    assert set(repeated) == {"availability", "p3-resolution"}
    # The last six periods are Feb–Jul: two breaches and the running July at risk.
    assert repeated["availability"].breached == ["2026-02", "2026-04"]
    assert repeated["availability"].at_risk == ["2026-07"]
    assert repeated["p3-resolution"].breached == MONTHS[-6:]

    revisit = {r.target: r for r in pack.revisit}
    assert set(revisit) == {"p1-response", "p3-resolution"}
    wide = revisit["p1-response"]
    assert wide.verdict == "always met by a wide margin" and wide.threshold == 97.5
    assert wide.periods == MONTHS  # finished periods only: July is running
    missed = revisit["p3-resolution"]
    assert missed.verdict == "always missed"
    assert (missed.lowest, missed.highest) == (60.0, 88.0)
    assert missed.mean == pytest.approx(458 / 6)

    proposals = {(p.target, p.quantity): p for p in pack.proposals}
    assert set(proposals) == {("p1-response", "ticket volume"), ("p2-response", "attainment")}
    volume = proposals[("p1-response", "ticket volume")]
    # 10, 12, …, 20: slope 2 a period, mean 15, three periods after the sixth: 26.
    assert volume.slope == pytest.approx(2.0) and volume.projected == pytest.approx(26.0)
    assert "+73%" in volume.text
    falling = proposals[("p2-response", "attainment")]
    assert falling.slope == pytest.approx(-1.0) and falling.projected == pytest.approx(92.0)
    assert "least squares" in falling.assumption

    (host, later) = pack.underpinning
    assert (host.name, host.period, host.breached_periods) == ("host-uc", "2026-06", 1)
    assert host.counts == {"met": 0, "at_risk": 0, "breached": 1, "no_data": 0}
    assert later.period == "" and later.counts["met"] == 0
    assert [(e.name, e.days_left) for e in pack.expiries] == [("host-uc", 77)]


def _figures(pack: Pack) -> list[str]:
    """Every number the JSON holds that the PDF must print, formatted as printed."""
    document = pack_document(pack)
    figures = []
    for series in document["performance"]:
        figures += [format_percent(c["attainment"]) for c in series["periods"] if c["attainment"]]
    for item in document["revisit"]:
        figures += [format_percent(item[k]) for k in ("lowest", "mean", "highest", "threshold")]
    for item in document["proposals"]:
        figures.append(f"{item['projected']:.4g}")
    figures += [f"{e['days_left']} days" for e in document["expiries"]]
    return figures


def test_pdf_holds_the_figures_of_the_json() -> None:
    _, review = _shop_world()
    pack = build_pack(review)
    document = json.loads(render_pack(pack, "json"))
    assert document == json.loads(json.dumps(pack_document(pack)))
    pdf = render_pack(pack, "pdf")
    assert pdf.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = re.sub(r"\s+", " ", text)
    for figure in _figures(pack):
        assert figure in text, figure
    assert "76.333" in text and "always missed" in text and "Open from April" in text
    html = render_pack(pack, "html").decode()
    for figure in _figures(pack):
        assert figure in html, figure
