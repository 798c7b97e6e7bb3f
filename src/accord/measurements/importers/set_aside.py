"""What a large import sets aside while it writes, and always puts back.

A file at least as large as the table it goes into (by the span of the table's ids) is
written faster without some of the table's upkeep, which is then redone in bulk:

- **The secondary indexes of tickets and of their histories** (both databases): rows
  arrive in id order, so every batch inserts all over the index by (service, opening).
  Measured on SQLite, a million tickets spent 6.5 s inserting with the indexes in place,
  3.2 s without them plus 0.9 s building them again (one sort). Unique indexes are never
  dropped: the upserts need them.
- **The foreign keys of histories to tickets, and of tickets to services and customers**
  (PostgreSQL only): each is checked by a trigger per row, a query each, at every commit:
  18 of the 44 s of five million events; 3.7 of the 22 s of a million tickets. Put back,
  a key checks every row in one join (1.3 s for the events, 0.2 s for the tickets).
  (Measured when events were stored a row each.)
  SQLite's checks, per connection (a pragma), are set aside for events: a lookup per row
  is a sixth of an event's insert, and checking a whole table afterwards takes a few
  hundredths of a second a million rows.

Each is dropped in its own committed transaction before the first batch (the batches still
commit one by one) and put back once the last batch is committed, or on the way out of a
failed import. If the process is killed, it stays missing until the next `accord import`
of any kind, which puts it back first (`restore_all`). Meanwhile every query answers
correctly, only slower. A row whose parent was deleted in that window is mended when the
key comes back (found only if adding the key fails, so an import pays for no extra scan):
histories go with their ticket, as ON DELETE CASCADE would have done; a ticket whose service
or customer went names none (logged: PROTECT would have refused the deletion, and the
ticket's data is kept rather than lost). Putting back is
idempotent and serialised by table locks, so two imports that both find something missing
do not collide.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import CASCADE, ForeignKey, Index, Model

from accord.measurements.models import Ticket, TicketHistory

SET_ASIDE_FROM_ROWS = 100_000  # a smaller import: the upkeep row by row is cheap enough
log = logging.getLogger(__name__)


class SetAside:
    """Upkeep of one table that a large import can drop and redo in bulk."""

    model: type[Model]

    def applies(self) -> bool:
        return True

    def __str__(self) -> str:
        raise NotImplementedError

    def present(self) -> bool:
        raise NotImplementedError

    def drop(self) -> None:
        raise NotImplementedError

    def put_back(self) -> None:
        """Recreate it if missing (idempotent)."""
        raise NotImplementedError


class SecondaryIndexes(SetAside):
    """The model's declared non-unique indexes."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model

    def __str__(self) -> str:
        return f"the indexes of {self.model.__name__}"

    def indexes(self) -> list[Index]:
        return list(self.model._meta.indexes)

    def present(self) -> bool:
        return not self._missing()

    def drop(self) -> None:
        quote = connection.ops.quote_name
        with _own_transaction(), connection.cursor() as cursor:
            for index in self.indexes():
                cursor.execute(f"DROP INDEX IF EXISTS {quote(index.name)}")

    def put_back(self) -> None:
        for index in self._missing():
            # The editor only writes the statement (entered, SQLite's refuses to run in
            # a transaction).
            sql = str(index.create_sql(self.model, connection.schema_editor()))
            prefix = "CREATE INDEX "
            if not sql.startswith(prefix):
                raise ValueError(f"unexpected index statement: {sql}")
            with connection.cursor() as cursor:
                cursor.execute("CREATE INDEX IF NOT EXISTS " + sql[len(prefix) :])

    def _missing(self) -> list[Index]:
        present = _constraints(self.model)
        return [index for index in self.indexes() if index.name not in present]


class ForeignKeyCheck(SetAside):
    """A foreign key of the model, set aside on PostgreSQL only."""

    def __init__(self, model: type[Model], field: str) -> None:
        self.model = model
        self.field = model._meta.get_field(field)
        assert isinstance(self.field, ForeignKey)

    def __str__(self) -> str:
        return f"the foreign key {self.model.__name__}.{self.field.name}"

    def applies(self) -> bool:
        return bool(connection.vendor == "postgresql")

    def present(self) -> bool:
        return bool(self._names())

    def drop(self) -> None:
        table = connection.ops.quote_name(self.model._meta.db_table)
        with _own_transaction(), connection.cursor() as cursor:
            for name in self._names():
                cursor.execute(
                    f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}"
                )

    def put_back(self) -> None:
        if self.present():
            return
        quote = connection.ops.quote_name
        field = self.field
        table = quote(self.model._meta.db_table)
        target = quote(field.related_model._meta.db_table)
        with _own_transaction(), connection.cursor() as cursor:
            # No writer of either table until the key is back: no orphan can slip in
            # between the check and the mending. Checked again under the locks, for an
            # import that put it back meanwhile.
            cursor.execute(f"LOCK TABLE {target}, {table} IN SHARE ROW EXCLUSIVE MODE")
            if self.present():
                return
            add = str(
                connection.schema_editor()._create_fk_sql(
                    self.model, field, "_fk_%(to_table)s_%(to_column)s"
                )
            )
            try:
                with transaction.atomic():  # adding it checks every row, in one join
                    cursor.execute(add)
                return
            except IntegrityError:  # rows whose parent was deleted while the key was away
                pass
            _mend_orphans(cursor, self.model, field)
            cursor.execute(add)

    def _names(self) -> list[str]:
        target = (self.field.related_model._meta.db_table, self.field.target_field.column)
        return [
            name
            for name, info in _constraints(self.model).items()
            if info["foreign_key"] == target and info["columns"] == [self.field.column]
        ]


class ConnectionForeignKeys(SetAside):
    """SQLite's checking of foreign keys, for the import's connection (a pragma: nothing
    of it outlives the connection, so a killed import leaves nothing to put back).

    SQLite checks a key with a lookup per row, a sixth of an event's insert (1.3 s of five
    million events), and checks every row of a table afterwards in a few hundredths of a
    second a million (`PRAGMA foreign_key_check`). The pragma only changes outside a
    transaction: within one (a test's), this does not apply.
    """

    def __init__(self, model: type[Model]) -> None:
        self.model = model

    def __str__(self) -> str:
        return f"the foreign-key checks of {self.model.__name__}"

    def applies(self) -> bool:
        return connection.vendor == "sqlite" and not connection.in_atomic_block

    def present(self) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys")
            (on,) = cursor.fetchone()
        return bool(on)

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")

    def put_back(self) -> None:
        if self.present():
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"PRAGMA foreign_key_check({table})")
            parents = {row[2] for row in cursor.fetchall()}
            for field in self.model._meta.get_fields():
                if isinstance(field, ForeignKey) and field.related_model._meta.db_table in parents:
                    _mend_orphans(cursor, self.model, field)
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = ON")


def _mend_orphans(cursor: Any, model: type[Model], field: ForeignKey) -> None:
    """Mend the rows of `model` whose `field` names a parent that is gone: deleted with it
    if the key cascades, else made to name none (PROTECT would have refused the deletion;
    too late for that, and the row's data is kept)."""
    quote = connection.ops.quote_name
    table, target = quote(model._meta.db_table), quote(field.related_model._meta.db_table)
    column, target_column = quote(field.column), quote(field.target_field.column)
    orphans = (
        f"NOT EXISTS (SELECT 1 FROM {target} AS parent"
        f" WHERE parent.{target_column} = child.{column})"
    )
    cascades = field.remote_field.on_delete is CASCADE
    if cascades:  # what the key would have done
        cursor.execute(f"DELETE FROM {table} AS child WHERE {orphans}")
    else:
        cursor.execute(
            f"UPDATE {table} AS child SET {column} = NULL WHERE {column} IS NOT NULL AND {orphans}"
        )
    log.warning(
        "%s rows of %s named a %s deleted while an import ran: %s",
        cursor.rowcount,
        model.__name__,
        field.related_model.__name__,
        "deleted with it" if cascades else "now name none",
    )


TICKET_INDEXES = SecondaryIndexes(Ticket)
TICKET_SERVICES = ForeignKeyCheck(Ticket, "service")
TICKET_CUSTOMERS = ForeignKeyCheck(Ticket, "customer")
HISTORY_INDEXES = SecondaryIndexes(TicketHistory)
HISTORY_TICKETS = ForeignKeyCheck(TicketHistory, "ticket")
HISTORY_KEYS_SQLITE = ConnectionForeignKeys(TicketHistory)
TICKET_UPKEEP = (TICKET_INDEXES, TICKET_SERVICES, TICKET_CUSTOMERS)
EVENT_UPKEEP = (HISTORY_INDEXES, HISTORY_TICKETS, HISTORY_KEYS_SQLITE)
EVERYTHING = (*TICKET_UPKEEP, *EVENT_UPKEEP)


def restore_all() -> list[str]:
    """Put back whatever an import killed midway left set aside; returns what it was."""
    restored = []
    for item in EVERYTHING:
        if item.applies() and not item.present():
            item.put_back()
            restored.append(str(item))
    if restored:
        log.warning("put back %s, left out by an interrupted import", ", ".join(restored))
    return restored


def worth_setting_aside(model: type[Model], expected_rows: int) -> bool:
    """True when an import of `expected_rows` rows is at least as large as the table."""
    if expected_rows < SET_ASIDE_FROM_ROWS:
        return False
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:  # the span of ids: an upper bound of the count, cheap
        cursor.execute(f"SELECT MAX({pk}) - MIN({pk}) + 1 FROM {table}")
        (span,) = cursor.fetchone()
    return bool(expected_rows >= (span or 0))


class SetAsideForImport:
    """What one file's import set aside: `decide` once the size of the file is known,
    `close` when its last batch is committed (or the import failed)."""

    def __init__(self, items: Sequence[SetAside], *, enabled: bool) -> None:
        self.items = [item for item in items if item.applies()] if enabled else []
        self.dropped: list[SetAside] = []
        self.decided = not self.items

    def decide(self, expected_rows: int) -> None:
        if self.decided:
            return
        self.decided = True
        for item in self.items:
            if item.present() and worth_setting_aside(item.model, expected_rows):
                item.drop()
                self.dropped.append(item)

    def close(self, *, failed: bool = False) -> None:
        dropped, self.dropped = self.dropped, []
        for item in dropped:
            if not failed:
                item.put_back()
                continue
            try:  # the import is failing already: its error is the one to report
                item.put_back()
            except DatabaseError:
                log.exception("could not put back %s; the next import will", item)


@contextmanager
def _own_transaction() -> Iterator[None]:
    """A transaction (a savepoint within the caller's, in a dry run or a test) whose
    deferred checks are made first: PostgreSQL alters no table with checks pending."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        yield


def _constraints(model: type[Model]) -> dict[str, dict[str, object]]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, model._meta.db_table)  # type: ignore[no-any-return]
