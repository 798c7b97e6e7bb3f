"""The dashboard's agreement cards and target rows as HTML, built in Python.

A portfolio of 200 agreements has 200 cards and 2,000 targets; the template engine
spends tens of microseconds per variable on them, a large share of the page's 300 ms
budget (bench/dashboard.py). Cards and rows are simple and uniform, so they are written
here with every value escaped; the page around them stays a template
(web/dashboard.html).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.utils.safestring import SafeString, mark_safe

from accord.web.dashboard import AgreementCard, TargetRow

COLUMNS = (
    "Target",
    "Status",
    "Attainment",
    "Objective",
    "Measured",
    "Budget left",
    "Forecast",
    "Last periods",
)


def target_head() -> SafeString:
    cells = "".join(f'<th scope="col"{NUMERIC.get(name, "")}>{name}</th>' for name in COLUMNS)
    return mark_safe(f"<thead><tr>{cells}</tr></thead>")


NUMERIC = dict.fromkeys(("Attainment", "Objective", "Budget left", "Forecast"), ' class="num"')


def target_rows(rows: Iterable[TargetRow]) -> SafeString:
    return mark_safe("".join(_row(row) for row in rows))


def _row(t: TargetRow) -> str:
    name = escape(t.name)
    subject = f' <span class="muted">· {escape(t.subject)}</span>' if t.subject else ""
    credit = f'<br><span class="muted">credit {escape(t.credit)}</span>' if t.credit else ""
    status = escape(t.status)
    html = (
        f'<tr class="row-{status}"><th scope="row" data-label="Target">{name}{subject}</th>'
        f'<td data-label="Status"><span class="status status-{status}">'
        f"{escape(t.status_label)}</span></td>"
        f'<td data-label="Attainment" class="num">{t.attainment_text}</td>'
        f'<td data-label="Objective" class="num">{t.objective_text}</td>'
        f'<td data-label="Measured">{escape(t.measured)}{credit}</td>'
        f'<td data-label="Budget left" class="num">{t.budget_text}</td>'
        f'<td data-label="Forecast" class="num">{t.forecast_text}</td>'
        f'<td data-label="Trend">{t.spark}</td></tr>'
    )
    if t.needs_reason:
        html += f'<tr class="reasons-row"><td colspan="{len(COLUMNS)}">{_reasons(t)}</td></tr>'
    return html


def _reasons(t: TargetRow) -> str:
    if not t.reasons:
        clocks = ""
        if t.breached:
            clocks = f"{t.breached} breached clock{'s' if t.breached != 1 else ''}; "
        return f'<p class="reasons muted">{clocks}no breach reason recorded yet.</p>'
    items = []
    for r in t.reasons:
        ticket = f" (ticket {escape(r.ticket)})" if r.ticket else ""
        items.append(
            f"<li><strong>{escape(r.category[:1].upper() + r.category[1:])}</strong>{ticket}: "
            f'{escape(r.text)} <span class="muted">— {escape(r.author)}</span></li>'
        )
    return f'<ul class="reasons">{"".join(items)}</ul>'


def cards(items: Iterable[AgreementCard]) -> SafeString:
    return mark_safe("".join(_card(card) for card in items))


def _card(card: AgreementCard) -> str:
    a = card.agreement
    name, href, worst = escape(a.name), escape(card.href), escape(card.worst)
    consumers = ", ".join(str(p) for p in a.consumers.all())
    period = f" · period {escape(card.targets[0].period)}" if card.targets else ""
    parts = [
        f'<article class="agreement-card worst-{worst}" id="agreement-{name}"><header>'
        f'<h3><a href="{href}">{escape(a.title or a.name)}</a></h3>'
        f'<span class="status status-{worst}">{escape(card.worst_label)}</span></header>'
        f'<p class="muted card-meta">{escape(a.type)} · {escape(str(a.provider))} → '
        f"{escape(consumers)}{period}</p>"
    ]
    if card.attention:
        parts.append(
            '<div class="table-scroll"><table class="stack-sm targets">'
            f'<caption class="visually-hidden">Targets of {name} needing attention</caption>'
            f"{target_head()}<tbody>{target_rows(card.attention)}</tbody></table></div>"
        )
    if card.others:
        count = len(card.others)
        what = f"{count} {'other ' if card.attention else ''}target{'s' if count != 1 else ''}"
        parts.append(
            f'<details class="others" hx-get="{href}targets/?show=others" '
            'hx-trigger="toggle once" hx-target="find .others-rows">'
            f"<summary>{what}: {escape(card.others_text)}</summary>"
            '<div class="others-rows"><p class="muted">Loading… or see them on '
            f'<a href="{href}#targets-h">the agreement page</a>.</p></div></details>'
        )
    if not card.targets:
        parts.append(
            '<p class="muted">No results yet: the agreement has not been evaluated, '
            "or has no targets.</p>"
        )
    parts.append("</article>")
    return "".join(parts)
