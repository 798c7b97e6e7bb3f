"""Forms of the review pages: the meeting record, actions and improvement plans."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from accord.accounts.access import visible_agreements, visible_subjects
from accord.agreements.models import Agreement
from accord.agreements.services import effective_targets
from accord.catalogue.models import Subject
from accord.reviews.models import Action, ImprovementPlan

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def people() -> QuerySet[Any]:
    """Users who can be named as attendees or owners: those with a role."""
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(Q(membership__isnull=False) | Q(is_superuser=True)).order_by("username")


def target_names(agreement: Agreement) -> list[str]:
    return [t.name for t in effective_targets(agreement, timezone.now())]


class RecordForm(forms.Form):
    held_on = forms.DateField(widget=DATE, label="Held on")
    attendees = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="one name per line"
    )
    attendee_users = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(), required=False, label="Attendees with an account"
    )
    minutes = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False)
    decisions = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendee_users"].queryset = people()  # type: ignore[attr-defined]


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=500, label="Why is the review cancelled?")


class ActionForm(forms.Form):
    title = forms.CharField(max_length=300)
    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, label="Owner (account)"
    )
    owner_name = forms.CharField(max_length=200, required=False, label="Owner (name)")
    due = forms.DateField(widget=DATE)
    target_name = forms.ChoiceField(required=False, label="About target")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, targets: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()  # type: ignore[attr-defined]
        choices = [("", "the agreement as a whole")] + [(t, t) for t in targets or []]
        self.fields["target_name"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("owner") and not (data.get("owner_name") or "").strip():
            raise forms.ValidationError("name an owner: an account or a name")
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Action.Status.choices)
    note = forms.CharField(max_length=500, required=False)


class PlanStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ImprovementPlan.Status.choices)
    on = forms.DateField(widget=DATE, required=False, label="From (default: today)")
    note = forms.CharField(max_length=500, required=False)


class PlanForm(forms.Form):
    title = forms.CharField(max_length=200)
    goal = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    expected_effect = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    owner_name = forms.CharField(max_length=200, required=False, label="Owner")
    services = forms.ModelMultipleChoiceField(queryset=Subject.objects.none(), required=False)
    targets = forms.MultipleChoiceField(
        required=False, help_text="agreement / target pairs whose attainment the plan should move"
    )
    started = forms.DateField(widget=DATE, required=False, help_text="empty: not started yet")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services = visible_subjects(user).filter(kind=Subject.Kind.SERVICE).order_by("name")
        self.fields["services"].queryset = services  # type: ignore[attr-defined]
        self.agreements = {a.name: a for a in visible_agreements(user).order_by("name")}
        self.fields["targets"].choices = [  # type: ignore[attr-defined]
            (f"{name}|{target}", f"{name} / {target}")
            for name, agreement in self.agreements.items()
            for target in target_names(agreement)
        ]

    def chosen_targets(self) -> list[tuple[Agreement, str]]:
        pairs = [value.split("|", 1) for value in self.cleaned_data.get("targets", [])]
        return [(self.agreements[name], target) for name, target in pairs]
