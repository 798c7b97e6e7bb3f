"""How an alert reads in each medium: one JSON document (API and webhook), an e-mail,
a Slack message. Built from the stored event only, so a retry sends the same content."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from accord.alerts.models import AlertEvent

FIGURE_LABELS = {
    "percent_elapsed": "% elapsed",
    "elapsed_s": "elapsed (business seconds)",
    "threshold_s": "threshold (seconds)",
    "warning": "warning",
    "warning_at": "warning instant",
    "breach_at": "breach instant",
    "objective": "objective %",
    "attainment": "attainment %",
    "consumed": "budget consumed (fraction)",
    "remaining": "budget remaining (fraction)",
    "level_percent": "warning level % of budget",
    "forecast": "forecast attainment %",
    "forecast_assumption": "forecast assumption",
    "long_window_s": "long window (seconds)",
    "short_window_s": "short window (seconds)",
    "long_burn": "long-window burn rate",
    "short_burn": "short-window burn rate",
    "factor": "burn-rate factor",
    "budget_percent": "% of the period's budget guarded",
}


def alert_url(alert: AlertEvent) -> str:
    """The alert in the inbox, where it can be acknowledged."""
    return f"{settings.SITE_URL.rstrip('/')}/alerts/?alert={alert.pk}#alert-{alert.pk}"


def alert_document(alert: AlertEvent) -> dict[str, Any]:
    """The alert as JSON: the webhook body and the API's item have the same keys."""
    period = None
    if alert.period_label:
        period = {
            "label": alert.period_label,
            "start": _iso(alert.period_start),
            "end": _iso(alert.period_end),
        }
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "severity": alert.severity,
        "dedupe_key": alert.dedupe_key,
        "agreement": alert.agreement_name,
        "target": alert.target_name,
        "subject": alert.subject_name or None,
        "ticket": alert.ticket or None,
        "period": period,
        "figures": alert.figures,
        "message": alert.message,
        "occurred_at": _iso(alert.occurred_at),
        "created_at": _iso(alert.created_at),
        "url": alert_url(alert),
    }


def email_subject(alert: AlertEvent) -> str:
    about = alert.ticket or " ".join(p for p in (alert.subject_name, alert.period_label) if p)
    return (
        f"[Accord] {alert.severity.upper()} {alert.kind}: "
        f"{alert.agreement_name}/{alert.target_name} {about}".rstrip()
    )


def figure_lines(alert: AlertEvent) -> list[str]:
    return [
        f"{FIGURE_LABELS.get(name, name)}: {value}"
        for name, value in alert.figures.items()
        if value not in (None, "")
    ]


def email_body(alert: AlertEvent) -> str:
    lines = [alert.message, ""]
    lines += [
        f"Kind: {alert.kind}",
        f"Severity: {alert.severity}",
        f"Agreement: {alert.agreement_name}",
        f"Target: {alert.target_name}",
    ]
    if alert.subject_name:
        lines.append(f"Subject: {alert.subject_name}")
    if alert.ticket:
        lines.append(f"Ticket: {alert.ticket}")
    if alert.period_label:
        lines.append(f"Period: {alert.period_label}")
    lines.append(f"Occurred at: {_iso(alert.occurred_at)}")
    lines += ["", "Figures:", *(f"  {line}" for line in figure_lines(alert))]
    lines += ["", f"Acknowledge: {alert_url(alert)}", ""]
    return "\n".join(lines)


def slack_payload(alert: AlertEvent) -> dict[str, Any]:
    """`text` is the notification fallback; `blocks` carry the message and the figures."""
    headline = f"{_SLACK_ICON.get(alert.severity, '')} {email_subject(alert)}".strip()
    figures = "\n".join(f"• {line}" for line in figure_lines(alert)) or "—"
    return {
        "text": f"{headline}\n{alert.message}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": alert.message[:3000]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": figures[:3000]}},
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"occurred {_iso(alert.occurred_at)} · "
                        f"<{alert_url(alert)}|acknowledge>",
                    }
                ],
            },
        ],
    }


_SLACK_ICON = {
    "critical": ":red_circle:",
    "warning": ":large_orange_circle:",
    "info": ":information_source:",
}


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()
