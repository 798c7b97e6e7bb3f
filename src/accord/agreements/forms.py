"""Forms of the lifecycle pages. Structured changes are typed as YAML (manifest form)."""

from __future__ import annotations

from typing import Any

import yaml
from django import forms


class TransitionForm(forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(required=False, max_length=500, label="Why (required to end it)")


class ChangesField(forms.CharField):
    """Terms and targets in manifest form, as YAML: {terms: …, targets: […], removeTargets: […]}."""

    def to_python(self, value: Any) -> dict[str, Any] | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise forms.ValidationError(f"not valid YAML: {exc}") from None
        if not isinstance(loaded, dict):
            raise forms.ValidationError("expected a mapping with terms, targets or removeTargets")
        return loaded


CHANGES_HELP = (
    "YAML, e.g. targets: [{name: p1-resolution, metric: resolution, where: {priority: '1'}, "
    "within: 8h, objective: 90}] · terms: {creditCap: 20} · removeTargets: [name]"
)


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Comment")
    changes = ChangesField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Counter-proposal (optional)",
        help_text=CHANGES_HELP,
    )


class ApprovalForm(forms.Form):
    contact = forms.EmailField(
        required=False,
        label="On behalf of a contact (e-mail)",
        help_text="Managers and owners record a named contact's approval; leave empty to "
        "approve for your own party.",
    )


class AmendmentForm(forms.Form):
    reason = forms.CharField(max_length=500)
    effective_from = forms.DateTimeField(
        label="In force from (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    changes = ChangesField(widget=forms.Textarea(attrs={"rows": 4}), help_text=CHANGES_HELP)


class TemporaryChangeForm(forms.Form):
    name = forms.SlugField(max_length=100)
    start = forms.DateTimeField(
        label="From (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = forms.DateTimeField(
        label="Until (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(max_length=300)
    service_hours = forms.CharField(
        required=False, max_length=100, label="Service hours (calendar name)"
    )
    targets = ChangesField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Target changes",
        help_text="YAML, e.g. {p1-resolution: {within: 2h}}",
    )
