"""The audit trail: who changed what in the catalogue and the agreements, before and after.

How changes are caught (a choice; see docs/lifecycle.md): Django signals on the audited
models and on the rows they own (contacts, dependencies, calendar exceptions, versions,
targets, the many-to-many links). Each audited object is snapshotted in manifest form
before its first change and again afterwards; one `AuditEntry` is written when the two
differ. The actor comes from a context variable that pages and the API set
(`AuditActorMiddleware`), manifests set to "manifest", and that is "system" otherwise.

Inside `recording()` (manifest apply, the lifecycle services, `create_version`) the
snapshots after are taken when the block ends, inside the same transaction, so a
multi-step change (bulk-created targets, contacts replaced) is one entry with its true
after. Outside one, each save or delete is an entry of its own. `touch` registers an
object explicitly, for writes that send no signal (bulk updates).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from accord.agreements.models import (
    Agreement,
    AgreementVersion,
    Calendar,
    CalendarException,
    MaintenanceWindow,
    Target,
    TemporaryChange,
)
from accord.catalogue.models import (
    Component,
    Contact,
    DataSource,
    Dependency,
    Party,
    Service,
    Subject,
)
from accord.governance import snapshots
from accord.governance.models import AuditEntry

Key = tuple[type[models.Model], int]


@dataclass(frozen=True)
class Actor:
    user: Any = None
    name: str = "system"
    request: Any = None  # resolved late: API token auth sets request.user after middleware

    def resolve(self) -> tuple[Any, str]:
        if self.request is not None:
            user = getattr(self.request, "user", None)
            if user is not None and getattr(user, "is_authenticated", False):
                return user, user.get_username()
            return None, self.name
        return self.user, self.name


_actor: ContextVar[Actor | None] = ContextVar("accord_audit_actor", default=None)


@dataclass
class _Pending:
    before: dict[str, Any] | None
    deleting: bool = False


@dataclass
class _Session:
    immediate: bool
    pending: dict[Key, _Pending] = field(default_factory=dict)


_session: ContextVar[_Session | None] = ContextVar("accord_audit_session", default=None)
_implicit = threading.local()  # the one-signal-pair session outside `recording()`


def current_actor() -> tuple[Any, str]:
    actor = _actor.get()
    return actor.resolve() if actor else (None, "system")


@contextlib.contextmanager
def acting_as(user: Any = None, name: str | None = None, *, request: Any = None) -> Iterator[None]:
    """Changes inside are attributed to `user` (or `name`: "manifest", "system")."""
    if name is None:
        name = user.get_username() if user is not None else "system"
    token = _actor.set(Actor(user=user, name=name, request=request))
    try:
        yield
    finally:
        _actor.reset(token)


@contextlib.contextmanager
def recording() -> Iterator[None]:
    """Group every change inside into one entry per object, written when the block ends
    (call it inside the transaction that makes the changes). Nested blocks join the outer."""
    if _session.get() is not None:
        yield
        return
    session = _Session(immediate=False)
    token = _session.set(session)
    try:
        yield
        _flush(session, list(session.pending))
    finally:
        _session.reset(token)


def touch(instance: models.Model) -> None:
    """Snapshot an audited object before a change that sends no signal."""
    key = _key(instance)
    if key is not None:
        _capture(_current(), key)


# --- what is audited -----------------------------------------------------------------

AUDITED: tuple[type[models.Model], ...] = (
    Party,
    Subject,
    DataSource,
    Calendar,
    Agreement,
    MaintenanceWindow,
    TemporaryChange,
)
PROXIES = {Service: Subject, Component: Subject}


def _parent_version(target: Target) -> Key | None:
    agreement_id = (
        AgreementVersion.objects.filter(pk=target.version_id)
        .values_list("agreement_id", flat=True)
        .first()
    )
    return (Agreement, agreement_id) if agreement_id else None


OWNED: dict[type[models.Model], Callable[[Any], Key | None]] = {
    Contact: lambda row: (Party, row.party_id),
    Dependency: lambda row: (Subject, row.subject_id),
    CalendarException: lambda row: (Calendar, row.calendar_id),
    AgreementVersion: lambda row: (Agreement, row.agreement_id),
    Target: _parent_version,
}
LINKS: dict[Any, type[models.Model]] = {
    Agreement.consumers.through: Agreement,
    Agreement.subjects.through: Agreement,
    Agreement.underpinned_by.through: Agreement,
    MaintenanceWindow.subjects.through: MaintenanceWindow,
}


def _key(instance: models.Model) -> Key | None:
    model = PROXIES.get(type(instance), type(instance))
    if model in AUDITED:
        return (model, instance.pk) if instance.pk is not None else None
    owner = OWNED.get(model)
    return owner(instance) if owner else None


def _current() -> _Session:
    session = _session.get()
    if session is not None:
        return session
    if not hasattr(_implicit, "session"):
        _implicit.session = _Session(immediate=True)
    implicit: _Session = _implicit.session
    return implicit


def _capture(session: _Session, key: Key, *, deleting: bool = False) -> None:
    known = session.pending.get(key)
    if session.immediate and known is not None and not known.deleting and not deleting:
        # Outside `recording()` every change is flushed at once; a snapshot left behind
        # by a save that failed half-way must not stand in for the state before this one.
        del session.pending[key]
    if key not in session.pending:
        session.pending[key] = _Pending(before=snapshots.snapshot(*key))
    if deleting:
        session.pending[key].deleting = True


def _flush(session: _Session, keys: list[Key]) -> None:
    user, name = current_actor()
    at = timezone.now()
    entries = []
    for key in keys:
        pending = session.pending.pop(key, None)
        if pending is None:
            continue
        after = snapshots.snapshot(*key)
        entry = _entry(key, pending.before, after)
        if entry is not None:
            entry.actor, entry.actor_name, entry.at = user, name, at
            entries.append(entry)
    AuditEntry.objects.bulk_create(entries)


def _entry(
    key: Key, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> AuditEntry | None:
    if before == after:
        return None
    shown = after if after is not None else before
    assert shown is not None
    if before is None:
        action, changed = AuditEntry.Action.CREATE, sorted(after or {})
    elif after is None:
        action, changed = AuditEntry.Action.DELETE, sorted(before)
    else:
        action = AuditEntry.Action.UPDATE
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return AuditEntry(
        object_type=shown["kind"],
        object_id=key[1],
        object_name=shown["name"],
        action=action,
        before=before,
        after=after,
        changed=changed,
    )


# --- signal receivers ------------------------------------------------------------------


def _before_save(sender: Any, instance: models.Model, raw: bool = False, **kw: Any) -> None:
    key = _key(instance)
    if key is not None and not raw:
        _capture(_current(), key)


def _after_save(
    sender: Any, instance: models.Model, created: bool, raw: bool = False, **kw: Any
) -> None:
    key = _key(instance)
    if key is None or raw:
        return
    session = _current()
    if key not in session.pending:  # a new audited object: there was nothing before
        session.pending[key] = _Pending(before=None)
    if session.immediate:
        _flush(session, [key])


def _before_delete(sender: Any, instance: models.Model, **kw: Any) -> None:
    key = _key(instance)
    if key is not None:
        _capture(_current(), key, deleting=key[0] is PROXIES.get(type(instance), type(instance)))


def _after_delete(sender: Any, instance: models.Model, **kw: Any) -> None:
    key = _key(instance)
    session = _current()
    if key is None or key not in session.pending or not session.immediate:
        return
    own = key[0] is PROXIES.get(type(instance), type(instance))
    # A row deleted with its owner is part of the owner's deletion, not an update of it.
    if own or not session.pending[key].deleting:
        _flush(session, [key])


def _link_keys(sender: Any, instance: models.Model, reverse: bool, pk_set: Any) -> list[Key]:
    owner = LINKS[sender]
    if not reverse:
        return [(owner, instance.pk)]
    return [(owner, pk) for pk in pk_set or ()]


def _links_changed(
    sender: Any, instance: models.Model, action: str, reverse: bool, pk_set: Any, **kw: Any
) -> None:
    keys = _link_keys(sender, instance, reverse, pk_set)
    session = _current()
    if action.startswith("pre_"):
        for key in keys:
            _capture(session, key)
    elif session.immediate:
        _flush(session, keys)


def connect() -> None:
    """Called once from GovernanceConfig.ready(). Receivers are bound to the audited
    models only: a receiver for every model would stop Django's fast bulk deletes."""
    for model in (*AUDITED, *PROXIES, *OWNED):
        uid = f"accord-audit-{model._meta.label}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=uid)
        post_save.connect(_after_save, sender=model, dispatch_uid=uid)
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=uid)
        post_delete.connect(_after_delete, sender=model, dispatch_uid=uid)
    for through in LINKS:
        m2m_changed.connect(
            _links_changed, sender=through, dispatch_uid=f"accord-audit-{through._meta.label}"
        )
