from django.contrib import admin

from accord.accounts.forms import AdminLoginForm
from accord.accounts.models import ApiToken, Membership

# The admin's log-in is throttled like Accord's own, and says so.
admin.site.login_form = AdminLoginForm


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
    list_filter = ["revoked_at"]

    def has_add_permission(self, request: object) -> bool:
        return False  # tokens are issued with `accord token create`, which shows them once


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "party"]
    list_filter = ["role"]
    autocomplete_fields: list[str] = []
    filter_horizontal = ["services"]
