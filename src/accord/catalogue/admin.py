from django.contrib import admin

from accord.catalogue.models import Component, Contact, DataSource, Dependency, Party, Service


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "role", "timezone"]
    list_filter = ["role"]
    search_fields = ["name", "title", "contacts__email"]
    inlines = [ContactInline]


class DependencyInline(admin.TabularInline):
    model = Dependency
    fk_name = "subject"
    extra = 0


class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "party", "status", "criticality"]
    list_filter = ["status", "criticality"]
    search_fields = ["name", "title"]
    exclude = ["kind"]
    inlines = [DependencyInline]


admin.site.register(Service, SubjectAdmin)
admin.site.register(Component, SubjectAdmin)


@admin.register(DataSource)
class DataSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "url"]
