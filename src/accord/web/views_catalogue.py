"""The catalogue: parties, services and components the user may see, and one subject's
page with its dependency graph and the agreements on it.

A subject outside `visible_subjects(user)` is a 404. Its dependencies are drawn even
when the user cannot see some of them (a customer sees the redundancy of the service
they buy), but those keep neither their name nor a link.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accord.accounts.access import visible_agreements, visible_parties, visible_subjects
from accord.catalogue.models import Subject
from accord.web.svg_dependencies import NODE_H, NODE_W, dependency_graph


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    subjects = list(visible_subjects(request.user).select_related("party").order_by("name"))
    parties = list(visible_parties(request.user).order_by("role", "name"))
    context = {
        "services": [s for s in subjects if s.kind == Subject.Kind.SERVICE],
        "components": [s for s in subjects if s.kind == Subject.Kind.COMPONENT],
        "parties": parties,
    }
    return render(request, "web/catalogue/catalogue.html", context)


@login_required
def subject_page(request: HttpRequest, name: str) -> HttpResponse:
    visible = visible_subjects(request.user)
    subject = get_object_or_404(visible.select_related("party"), name=name)
    visible_ids = set(visible.values_list("pk", flat=True))
    graph = dependency_graph(subject, visible=visible_ids)
    requirements = _requirement_subjects(subject)
    context = {
        "subject": subject,
        "graph": graph,
        "node_w": NODE_W,
        "node_h": NODE_H,
        "requirements": [[(m, m.pk in visible_ids) for m in group] for group in requirements],
        "dependents": [
            s
            for s in Subject.objects.filter(dependencies__member=subject).distinct()
            if s.pk in visible_ids
        ],
        "agreements": visible_agreements(request.user)
        .filter(subjects=subject)
        .select_related("provider")
        .prefetch_related("consumers")
        .order_by("type", "name"),
    }
    return render(request, "web/catalogue/subject.html", context)


def _requirement_subjects(subject: Subject) -> list[list[Subject]]:
    groups: dict[int, list[Subject]] = {}
    for dep in subject.dependencies.order_by("group", "member__name").select_related("member"):
        groups.setdefault(dep.group, []).append(dep.member)
    return [groups[key] for key in sorted(groups)]
