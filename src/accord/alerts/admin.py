from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accord.alerts.models import Acknowledgement, AlertEvent, Channel, Condition, Delivery


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the system: shown, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the audit trail stays whole


class AcknowledgementInline(admin.TabularInline):
    model = Acknowledgement
    extra = 0
    can_delete = False
    readonly_fields = ["username", "at", "note"]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = ["channel", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AlertEvent)
class AlertEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "severity", "kind", "agreement_name", "target_name", "ticket"]
    list_filter = ["kind", "severity", "agreement_name"]
    search_fields = ["agreement_name", "target_name", "subject_name", "ticket", "message"]
    date_hierarchy = "occurred_at"
    inlines = [AcknowledgementInline, DeliveryInline]
    actions = ["acknowledge"]

    @admin.action(description="Acknowledge the selected alerts")
    def acknowledge(self, request: HttpRequest, queryset: Any) -> None:
        from accord.alerts.services import acknowledge_alert

        for alert in queryset:
            acknowledge_alert(alert, user=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"{len(queryset)} alert(s) acknowledged")


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["alert", "username", "at", "note"]
    search_fields = ["username", "note"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "address", "enabled", "min_severity"]
    list_filter = ["kind", "enabled"]
    filter_horizontal = ["agreements"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["alert", "channel", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel"]


@admin.register(Condition)
class ConditionAdmin(ReadOnlyAdmin):
    list_display = ["key", "opened_at", "resolved_at"]
