"""Admin views of reviews, actions and plans: for looking and mending. Holding a review,
closing an action and moving a plan go through the pages (services), which write the
status events and move review dates on."""

from django.contrib import admin

from accord.reviews.models import Action, ImprovementPlan, PlanTarget, Review, StatusEvent


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    fields = ("title", "owner", "owner_name", "due", "status", "closed_at", "target_name")
    readonly_fields = ("status", "closed_at")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("agreement", "scheduled_for", "status", "held_at")
    list_filter = ("status",)
    search_fields = ("agreement__name", "minutes", "decisions")
    date_hierarchy = "scheduled_for"
    readonly_fields = ("status", "held_at")
    inlines = [ActionInline]


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ("title", "agreement", "target_name", "due", "status", "closed_at")
    list_filter = ("status",)
    search_fields = ("title", "owner_name", "agreement__name")
    readonly_fields = ("status", "closed_at")


class PlanTargetInline(admin.TabularInline):
    model = PlanTarget
    extra = 0


@admin.register(ImprovementPlan)
class ImprovementPlanAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "started", "ended")
    list_filter = ("status",)
    search_fields = ("title", "goal")
    readonly_fields = ("status",)
    inlines = [PlanTargetInline]


@admin.register(StatusEvent)
class StatusEventAdmin(admin.ModelAdmin):
    list_display = ("at", "review", "action", "plan", "old", "new", "username")

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False  # immutable history

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
