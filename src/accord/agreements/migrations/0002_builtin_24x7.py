from django.db import migrations

ALWAYS = [[[0, 1440]] for _ in range(7)]


def create_24x7(apps, schema_editor):
    Calendar = apps.get_model("agreements", "Calendar")
    Calendar.objects.update_or_create(
        name="24x7",
        defaults={"title": "Always open", "timezone": "UTC", "weekly": ALWAYS, "builtin": True},
    )


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_agreements")]
    operations = [migrations.RunPython(create_24x7, migrations.RunPython.noop)]
