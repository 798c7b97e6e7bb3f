"""Template helpers shared by every page: the user's role and the current nav section."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from accord.accounts.access import role_of

register = template.Library()
DASHBOARD_SECTION = ("/agreements/", "/tickets/")


@register.simple_tag(takes_context=True)
def user_role(context: dict[str, Any]) -> str:
    """The signed-in user's role label ('' without one), for the user menu."""
    request = context.get("request")
    role = role_of(getattr(request, "user", None))
    return str(role.label) if role is not None else ""


@register.simple_tag(takes_context=True)
def nav_current(context: dict[str, Any], prefix: str) -> SafeString | str:
    """`aria-current="page"` on the nav link of the section being shown."""
    request = context.get("request")
    path = getattr(request, "path", "")
    if prefix == "/":  # agreements and tickets are reached from the dashboard
        here = path == "/" or path.startswith(DASHBOARD_SECTION)
    else:
        here = path.startswith(prefix)
    return mark_safe('aria-current="page"') if here else ""


@register.filter
def target_rows(rows: Any) -> SafeString:
    """The dashboard's target rows (built in Python for speed; see dashboard_rows)."""
    from accord.web.dashboard_rows import target_rows as render

    return render(rows)


@register.simple_tag
def target_head() -> SafeString:
    from accord.web.dashboard_rows import target_head as render

    return render()


@register.filter
def agreement_cards(items: Any) -> SafeString:
    """The dashboard's agreement cards (built in Python for speed; see dashboard_rows)."""
    from accord.web.dashboard_rows import cards

    return cards(items)
