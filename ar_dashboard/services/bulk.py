"""Bulk writes of plain rows: PostgreSQL `COPY`, SQLite batched `executemany`.

The load writes hundreds of thousands of rows a sync. Building a model instance per row and
letting `bulk_create` prepare every value costs more than the database's own work, so the
load hands tuples of Python values here, in the order of the field names it gives:

- `rows_insert`: plain inserts (the staging table).
- `rows_upsert`: insert or update on a unique key. On PostgreSQL the rows are copied into a
  temporary table (psycopg's `cursor.copy()`), then merged with one
  `INSERT … SELECT … ON CONFLICT DO UPDATE`; on SQLite, `executemany` of the same upsert in
  batches. Both run inside the caller's transaction.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Sequence

from django.db import connection, models, transaction

BATCH = 2000


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _fields(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    return [model._meta.get_field(name) for name in names]


def _columns(fields: Sequence[models.Field]) -> str:
    return ", ".join(connection.ops.quote_name(f.column) for f in fields)


class JsonText(str):
    """A value already serialised as JSON text, written to a JSON column as it is."""


def _copy_value(field: models.Field, value: object) -> object:
    if value is not None and not isinstance(value, JsonText):
        return json.dumps(value)
    return str(value) if value is not None else None


def _copy(table: str, fields: Sequence[models.Field], rows: Iterable[Sequence]) -> int:
    """COPY the rows into `table` (already quoted); rows written."""
    json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    written = 0
    sql = f"COPY {table} ({_columns(fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            if json_at:
                row = list(row)
                for i in json_at:
                    row[i] = _copy_value(fields[i], row[i])
            copy.write_row(row)
            written += 1
    return written


def _prepared(fields: Sequence[models.Field], rows: Iterable[Sequence]) -> list[list]:
    """Values as Django would send them to SQLite (dates as text, Decimals as strings)."""
    return [
        [
            str(v) if isinstance(v, JsonText) else f.get_db_prep_save(v, connection)
            for f, v in zip(fields, row, strict=True)
        ]
        for row in rows
    ]


def _executemany(sql: str, fields: Sequence[models.Field], rows: Sequence[Sequence]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, _prepared(fields, rows[start : start + BATCH]))


def rows_insert(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence]) -> int:
    """Insert the rows (tuples of values for `names`, attnames for foreign keys); rows written."""
    if not rows:
        return 0
    fields = _fields(model, names)
    if connection.vendor == "postgresql":
        return _copy(_table(model), fields, rows)
    marks = ", ".join(["%s"] * len(fields))
    # Only our own quoted table and column names are interpolated; values are parameters.
    _executemany(f"INSERT INTO {_table(model)} ({_columns(fields)}) VALUES ({marks})", fields, rows)  # noqa: S608
    return len(rows)


def _update_clause(fields: Sequence[models.Field], update: Sequence[str]) -> str:
    if not update:
        return "DO NOTHING"
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = EXCLUDED.{quote(f.column)}" for f in update)
    return f"DO UPDATE SET {sets}"


def rows_upsert(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence],
    *,
    unique: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert the rows, or update `update` where a row with the same `unique` fields exists."""
    if not rows:
        return
    fields = _fields(model, names)
    conflict = _columns(_fields(model, unique))
    action = _update_clause(fields, _fields(model, update))
    columns = _columns(fields)
    if connection.vendor != "postgresql":
        marks = ", ".join(["%s"] * len(fields))
        sql = (
            f"INSERT INTO {_table(model)} ({columns}) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT ({conflict}) {action}"
        )
        _executemany(sql, fields, rows)
        return
    # One temporary table per target and column list (a load upserts invoices two ways).
    tag = zlib.crc32(columns.encode())
    staging = connection.ops.quote_name(f"staging_{model._meta.db_table}_{tag:x}")
    with transaction.atomic(), connection.cursor() as cursor:
        # Created once per transaction (dropped at commit), emptied before each use.
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {columns} FROM {_table(model)} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {staging}")
        _copy(staging, fields, rows)
        # Callers give each key one row: two would fail ("cannot affect row a second time").
        cursor.execute(
            f"INSERT INTO {_table(model)} ({columns}) SELECT {columns} FROM {staging} "  # noqa: S608
            f"ON CONFLICT ({conflict}) {action}"
        )
