from typing import Any

from django.contrib import admin

from accord.agreements.models import (
    Agreement,
    AgreementVersion,
    Calendar,
    CalendarException,
    CalendarVersion,
    MaintenanceWindow,
    Target,
    TemporaryChange,
)


class CalendarExceptionInline(admin.TabularInline):
    model = CalendarException
    extra = 0


class CalendarVersionInline(admin.TabularInline):
    """Earlier hours, kept by `accord apply` (read only: history is not edited)."""

    model = CalendarVersion
    extra = 0
    fields = ["until", "timezone", "weekly", "holiday_country", "holiday_dates", "exceptions"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "holiday_country", "builtin"]
    search_fields = ["name", "title"]
    inlines = [CalendarExceptionInline, CalendarVersionInline]


class VersionInline(admin.TabularInline):
    model = AgreementVersion
    extra = 0
    fields = ["number", "effective_from", "service_hours", "period", "charges_per_period"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "type", "structure", "status", "provider", "review_next"]
    list_filter = ["type", "structure", "status"]
    search_fields = ["name", "title"]
    filter_horizontal = ["consumers", "subjects", "underpinned_by"]
    inlines = [VersionInline]


class TargetInline(admin.StackedInline):
    model = Target
    extra = 0


@admin.register(AgreementVersion)
class AgreementVersionAdmin(admin.ModelAdmin):
    list_display = ["agreement", "number", "effective_from", "service_hours", "period"]
    list_filter = ["agreement"]
    inlines = [TargetInline]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "metric", "objective", "within_seconds"]
    list_filter = ["metric"]
    search_fields = ["name", "version__agreement__name"]


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = ["name", "start", "end", "agreed"]
    filter_horizontal = ["subjects"]


@admin.register(TemporaryChange)
class TemporaryChangeAdmin(admin.ModelAdmin):
    list_display = ["name", "agreement", "start", "end", "status"]
    list_filter = ["status"]
