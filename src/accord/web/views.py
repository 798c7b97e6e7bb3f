from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.agreements.models import Agreement


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Agreements grouped by lifecycle status, in lifecycle order."""
    agreements = Agreement.objects.select_related("provider").prefetch_related("consumers")
    by_status: dict[str, list[Agreement]] = {value: [] for value in Agreement.Status.values}
    for agreement in agreements:
        by_status[agreement.status].append(agreement)
    groups = [
        (label, by_status[value]) for value, label in Agreement.Status.choices if by_status[value]
    ]
    return render(request, "web/home.html", {"groups": groups, "total": len(agreements)})
