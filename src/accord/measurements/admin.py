from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from accord.measurements.models import MetricPoint, MetricSeries, Outage, Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["external_id", "source", "service", "priority", "state", "opened_at"]
    list_filter = ["source", "state", "priority"]
    search_fields = ["external_id"]
    date_hierarchy = "opened_at"
    raw_id_fields = ["service", "customer"]
    readonly_fields = ["history"]

    @admin.display(description="history")
    def history(self, ticket: Ticket) -> SafeString:
        """The events, read only: they change by import or the API, which merge them."""
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((e.seq, e.at, e.state, e.priority, e.attributes or "") for e in ticket.events()),
        )
        head = "<tr><th>#</th><th>at</th><th>state</th><th>priority</th><th>attributes</th></tr>"
        return SafeString(f"<table>{head}{rows}</table>")


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
