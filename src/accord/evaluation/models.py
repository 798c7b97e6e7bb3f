"""Background work shared by any number of workers through the database, and the results
of evaluation: ticket clocks, period results, where routine evaluation stands, and the
log of re-evaluations."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from accord.evaluation.fields import EpochField


class Job(models.Model):
    """One unit of due work: what (`kind` + `key`), when (`due_at`), who holds it.

    A pending job is unique per (kind, key), so asking twice for the same evaluation
    makes one job. A worker claims a job by setting a lease (`claimed_until`); a worker
    that dies loses the job when its lease runs out, and another takes it over.
    """

    kind = models.CharField(max_length=50)
    key = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    failed = models.BooleanField(default=False)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["due_at"], name="job_pending_due", condition=Q(done_at__isnull=True)
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=Q(done_at__isnull=True),
                name="job_one_pending_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key or self.pk}"


class ClockStatus(models.IntegerChoices):
    """The status of one ticket clock; the first four are the engine's (ClockStatus)."""

    OPEN = 0, "open"
    MET = 1, "met"
    BREACHED = 2, "breached"
    EXCLUDED = 3, "excluded"
    AT_RISK = 4, "at risk"  # open, and at or past the at-risk share of its threshold


class ClockResult(models.Model):
    """One ticket clock of one agreement's target (SEMANTICS §2, §3), as last evaluated:
    running, at risk, breached, excluded, or met with a warning due in the last day. A met
    clock with nothing due is archived instead (ClockArchive); read both through
    `accord.evaluation.queries.clock_results`.

    A clock is identified by (agreement, ticket, target name): a re-evaluation replaces
    the row, so alerting keys its notices on these names, not on the row id. Instants
    are epoch seconds (see fields.py); references are not enforced by the database
    because the rows are derived and rewritten in bulk (they go with their ticket).
    """

    agreement = models.ForeignKey(
        "agreements.Agreement",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    ticket = models.ForeignKey(
        "measurements.Ticket",
        on_delete=models.CASCADE,
        related_name="clock_results",
        db_index=False,
        db_constraint=False,
    )
    target_name = models.CharField(max_length=100)
    # The target definition applied (possibly an ancestor's) and the agreement's own
    # version in force at the ticket's opening (SEMANTICS §10).
    target = models.ForeignKey(
        "agreements.Target",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    version = models.ForeignKey(
        "agreements.AgreementVersion",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    status = models.PositiveSmallIntegerField(choices=ClockStatus.choices)
    started_at = EpochField()
    stopped_at = EpochField(null=True)  # null while the clock runs
    threshold_s = models.PositiveIntegerField()
    business_elapsed_s = models.BigIntegerField()
    actual_elapsed_s = models.BigIntegerField()
    percent_elapsed = models.FloatField()
    # Met before breaching: null. Open: the instant it will breach if nothing pauses it.
    breach_at = EpochField(null=True)
    # Where it counts (§3): the stop of a met clock, the breach of a breached one, the
    # cancellation of an excluded one; null while open.
    counted_at = EpochField(null=True)
    period = models.CharField(max_length=40, blank=True)
    # [{"label": "75%", "at": ISO-8601}, ...] for clocks with a warning due from a day
    # before the evaluation on; null for the rest (their warnings are history).
    warnings = models.JSONField(null=True)
    warn_last_at = EpochField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "ticket", "target_name"], name="clock_unique"
            )
        ]
        indexes = [
            models.Index(fields=["agreement", "counted_at"], name="clock_counted"),
            models.Index(
                fields=["agreement", "status"],
                name="clock_running",
                condition=models.Q(status__in=[ClockStatus.OPEN, ClockStatus.AT_RISK]),
            ),
            models.Index(
                fields=["warn_last_at"],
                name="clock_warnings",
                condition=models.Q(warn_last_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_name} of ticket {self.ticket_id}: {self.get_status_display()}"


class ClockArchive(models.Model):
    """Met clocks of one agreement's target for a run of tickets, as compact columns.

    A met clock with no warning still due is settled: nothing alerts on it, no breach
    reason attaches to it, and it is read only in bulk (period figures, a ticket's page,
    the API). Most clocks end so, and one row each costs more to write than the rest of
    an evaluation; here tens of thousands share a row (archive.py). The blocks of an
    agreement's target cover disjoint ticket ranges: a block holds the clocks of the
    tickets from its `first_ticket` up to the next block's.
    Every other clock is a `ClockResult` row.
    """

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.CASCADE, related_name="+", db_index=False
    )  # indexed by (agreement, target_name, first_ticket)
    target_name = models.CharField(max_length=100)
    first_ticket = models.BigIntegerField()
    last_ticket = models.BigIntegerField()
    clocks = models.PositiveIntegerField()
    # Where the block's clocks count (their stops), epoch seconds: reads of the periods
    # being written skip the blocks that end before them.
    counted_from = models.BigIntegerField()
    counted_until = models.BigIntegerField()
    # {"targets": [[name, target id, version id], …], "periods": [label, …],
    #  "columns": [[name, base, dtype], …]}: how to read `data` (archive.py).
    layout = models.JSONField()
    data = models.BinaryField()

    class Meta:
        indexes = [
            models.Index(
                fields=["agreement", "target_name", "first_ticket"], name="archive_tickets"
            ),
            models.Index(fields=["agreement", "counted_until"], name="archive_counted"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.clocks} met {self.target_name} clocks of tickets"
            f" {self.first_ticket}–{self.last_ticket}"
        )


class PeriodStatus(models.TextChoices):
    MET = "met"
    AT_RISK = "at_risk", "at risk"
    BREACHED = "breached"
    NO_DATA = "no_data", "no data"


class PeriodResult(models.Model):
    """One target of one agreement in one period, for one subject (availability) or
    for the agreement's scope as a whole (subject null)."""

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.CASCADE, related_name="period_results"
    )
    target_name = models.CharField(max_length=100)
    metric = models.CharField(max_length=12)
    subject = models.ForeignKey(
        "catalogue.Subject", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period = models.CharField(max_length=60)  # 2026-03, 2026-Q1, 2026, or a rolling label
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    objective = models.FloatField()
    attainment = models.FloatField(null=True)  # percent; null when there is no data
    status = models.CharField(max_length=8, choices=PeriodStatus.choices)
    # Ticket targets (§3)
    met = models.PositiveIntegerField(null=True)
    breached = models.PositiveIntegerField(null=True)
    open = models.PositiveIntegerField(null=True)
    excluded = models.PositiveIntegerField(null=True)
    # Availability (§4)
    scheduled_s = models.BigIntegerField(null=True)
    downtime_s = models.FloatField(null=True)
    unknown_s = models.BigIntegerField(null=True)
    # Ratio and threshold SLIs (§5): events, or slices with data
    good = models.FloatField(null=True)
    total = models.FloatField(null=True)
    no_data_slices = models.PositiveIntegerField(null=True)
    # Budget (§6), burn rates over the windows of the multi-window table, forecast (§7)
    budget_consumed = models.FloatField(null=True)
    budget_remaining = models.FloatField(null=True)
    burn_rates = models.JSONField(null=True)
    forecast = models.FloatField(null=True)
    forecast_assumption = models.TextField(blank=True)
    # Credits (§8), after the agreement's cap
    credit_percent = models.FloatField(null=True)
    credit_amount = models.FloatField(null=True)
    currency = models.CharField(max_length=3, blank=True)
    as_of = models.DateTimeField()
    final = models.BooleanField(default=False)  # the period had ended at as_of
    # A final result that data arriving later would change; `accord reevaluate` rewrites it.
    stale = models.BooleanField(default=False)
    evaluated_at = models.DateTimeField()

    class Meta:
        ordering = ["agreement", "period_start", "target_name", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "target_name", "subject", "period"],
                name="period_result_unique_subject",
                condition=models.Q(subject__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["agreement", "target_name", "period"],
                name="period_result_unique",
                condition=models.Q(subject__isnull=True),
            ),
        ]
        indexes = [models.Index(fields=["agreement", "period_start"], name="period_result_start")]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.target_name} {self.period}: {self.status}"


class EvaluationState(models.Model):
    """Where routine evaluation of an agreement stands: what it has already seen."""

    agreement = models.OneToOneField(
        "agreements.Agreement", on_delete=models.CASCADE, related_name="evaluation_state"
    )
    as_of = models.DateTimeField()
    evaluated_at = models.DateTimeField()
    # Tickets and histories changed after this instant are not yet evaluated.
    tickets_seen_until = models.DateTimeField(null=True)
    # The terms evaluated (versions, calendars, targets): a change means a full evaluation.
    terms = models.CharField(max_length=64, blank=True)
    summary = models.JSONField(default=dict)


class Reevaluation(models.Model):
    """The log of explicit re-evaluations of history (SEMANTICS §10)."""

    agreement = models.ForeignKey(
        "agreements.Agreement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reevaluations",
    )
    agreement_name = models.CharField(max_length=100)
    since = models.DateTimeField(null=True, blank=True)  # null: the whole history
    requested_by = models.CharField(max_length=150)
    reason = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    periods = models.JSONField(default=list)  # the period labels rewritten
    clocks = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"re-evaluation of {self.agreement_name} by {self.requested_by}"
