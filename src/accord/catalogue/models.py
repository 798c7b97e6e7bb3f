"""Who provides and receives service, and what services are built from.

Services and components share one table (`Subject`) because everything that refers to
them — `dependsOn`, an agreement's `services`, an outage — names either by a bare name, and
availability is computed per subject. `Service` and `Component` are proxies over it.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

slug_validator = RegexValidator(
    r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", "a lower-case slug: letters, digits and hyphens"
)


class NamedModel(models.Model):
    """Objects that manifests address by `metadata.name`."""

    name = models.CharField(max_length=100, unique=True, validators=[slug_validator])
    title = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.title or self.name


class Party(NamedModel):
    class Role(models.TextChoices):
        CUSTOMER = "customer"
        PROVIDER = "provider", "provider (internal team)"
        SUPPLIER = "supplier", "supplier (third party)"

    role = models.CharField(max_length=20, choices=Role.choices)
    timezone = models.CharField(max_length=64, blank=True)

    class Meta(NamedModel.Meta):
        verbose_name_plural = "parties"


class Contact(models.Model):
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="contacts")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    role = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["party", "position"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Subject(NamedModel):
    """A business service or a technical component: what availability is measured on."""

    class Kind(models.TextChoices):
        SERVICE = "service"
        COMPONENT = "component"

    class Status(models.TextChoices):
        PIPELINE = "pipeline"
        LIVE = "live"
        RETIRED = "retired"

    class Criticality(models.TextChoices):
        LOW = "low"
        MEDIUM = "medium"
        HIGH = "high"
        CRITICAL = "critical"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    description = models.TextField(blank=True)
    # A service has an owner (the providing party); a component has a provider.
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="subjects"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.LIVE)
    criticality = models.CharField(
        max_length=10, choices=Criticality.choices, default=Criticality.MEDIUM
    )

    class Meta(NamedModel.Meta):
        indexes = [models.Index(fields=["kind", "status"], name="subject_kind_status")]

    def requirements(self) -> list[list[str]]:
        """`dependsOn` as groups of names: one name = required, several = anyOf."""
        groups: dict[int, list[str]] = {}
        for dep in self.dependencies.order_by("group", "member__name").select_related("member"):
            groups.setdefault(dep.group, []).append(dep.member.name)
        return [groups[key] for key in sorted(groups)]


class ServiceManager(models.Manager["Service"]):
    def get_queryset(self) -> models.QuerySet[Service]:
        return super().get_queryset().filter(kind=Subject.Kind.SERVICE)


class ComponentManager(models.Manager["Component"]):
    def get_queryset(self) -> models.QuerySet[Component]:
        return super().get_queryset().filter(kind=Subject.Kind.COMPONENT)


class Service(Subject):
    objects = ServiceManager()

    class Meta:
        proxy = True

    def save(self, *args: object, **kwargs: object) -> None:
        self.kind = Subject.Kind.SERVICE
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Component(Subject):
    objects = ComponentManager()

    class Meta:
        proxy = True

    def save(self, *args: object, **kwargs: object) -> None:
        self.kind = Subject.Kind.COMPONENT
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Dependency(models.Model):
    """One member of one requirement of `subject`.

    Members sharing a `group` form an `anyOf` group (down only when all are down); a group
    of one is a required dependency.
    """

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="dependencies")
    group = models.PositiveSmallIntegerField()
    member = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="dependents")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "member"], name="dependency_unique_member")
        ]
        ordering = ["subject", "group"]
        verbose_name_plural = "dependencies"

    def __str__(self) -> str:
        return f"{self.subject.name} → {self.member.name} (group {self.group})"


class DataSource(NamedModel):
    class Type(models.TextChoices):
        PROMETHEUS = "prometheus"

    type = models.CharField(max_length=20, choices=Type.choices)
    url = models.URLField()
