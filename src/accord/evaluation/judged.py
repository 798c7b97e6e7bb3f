"""Which tickets an agreement judges, as a database condition on tickets.

Evaluation decides it on arrays (scope.py, clocks.matches); access control needs the same
answer as a query, without reading every clock: a ticket is judged when it is in the
agreement's scope (services, customers, dates) and its current attributes pass the `where`
filter of at least one of its response or resolution targets, in any version.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q

from accord.evaluation.clocks import TICKET_METRICS
from accord.evaluation.fields import from_epoch
from accord.evaluation.scope import Scope
from accord.evaluation.tickets import NAMED_FIELDS, TICKET_FIELDS

EVERY = Q(pk__isnull=False)
NONE = Q(pk__in=[])


def judged_tickets(scope: Scope) -> Q:
    filters = [
        terms.target.where or {}
        for segment in scope.segments
        for terms in segment.targets.values()
        if terms.metric in TICKET_METRICS
    ]
    if not filters:
        return NONE
    matching = NONE
    for where in filters:
        matching |= _passes(where)
    return _in_scope(scope) & matching


def _in_scope(scope: Scope) -> Q:
    condition = EVERY
    if scope.subject_ids is not None:
        condition &= Q(service_id__in=scope.subject_ids)
    if scope.customer_ids is not None:
        condition &= Q(customer__isnull=True) | Q(customer_id__in=scope.customer_ids)
    if scope.begins > 0:
        condition &= Q(opened_at__gte=from_epoch(scope.begins))
    if scope.ends is not None:
        condition &= Q(opened_at__lt=from_epoch(scope.ends))
    return condition


def _passes(where: dict[str, Sequence[str]]) -> Q:
    """Every attribute in its list; texts compared as evaluation compares them. (An
    attribute imported as a JSON number is matched by evaluation's text but not here.)"""
    condition = EVERY
    for key, accepted in where.items():
        values = [str(v) for v in accepted]
        if key in NAMED_FIELDS:
            condition &= Q(**{f"{key}__name__in": values})
        elif key in TICKET_FIELDS:
            condition &= Q(**{f"{TICKET_FIELDS[key]}__in": values})
        else:
            condition &= Q(**{f"attributes__{key}__in": values})
    return condition
