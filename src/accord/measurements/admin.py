from django.contrib import admin

from accord.measurements.models import MetricPoint, MetricSeries, Outage, Ticket, TicketEvent


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ["seq", "at", "state", "priority", "attributes"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["external_id", "source", "service", "priority", "state", "opened_at"]
    list_filter = ["source", "state", "priority"]
    search_fields = ["external_id"]
    date_hierarchy = "opened_at"
    raw_id_fields = ["service", "customer"]
    inlines = [TicketEventInline]


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ["ticket", "seq", "at", "state", "priority"]
    list_filter = ["state"]
    search_fields = ["ticket__external_id"]
    raw_id_fields = ["ticket"]


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin):
    list_display = ["subject", "start", "end", "planned", "impact", "origin", "reference"]
    list_filter = ["origin", "planned"]
    search_fields = ["subject__name", "reference", "key"]
    date_hierarchy = "start"


@admin.register(MetricSeries)
class MetricSeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    search_fields = ["name"]


@admin.register(MetricPoint)
class MetricPointAdmin(admin.ModelAdmin):
    list_display = ["series", "start", "end", "good", "total", "value"]
    list_filter = ["series"]
    raw_id_fields = ["series"]
