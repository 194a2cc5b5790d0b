"""SQL expressions that PostgreSQL and SQLite spell differently, written once for both."""

import json
from collections.abc import Iterable

from django.core.exceptions import EmptyResultSet
from django.db.models import (
    BigIntegerField,
    DecimalField,
    Expression,
    Field,
    ForeignKey,
    Func,
    IntegerField,
    Sum,
)
from django.db.models.lookups import In


class DaysBetween(Func):
    """Whole days from `earlier` to `later` (later − earlier), as an integer column."""

    arity = 2
    output_field = IntegerField()

    def __init__(self, later, earlier, **extra):
        super().__init__(later, earlier, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        # date − date is an integer number of days in PostgreSQL.
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner="::date - ", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        later, later_params = compiler.compile(self.source_expressions[0])
        earlier, earlier_params = compiler.compile(self.source_expressions[1])
        sql = f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
        return sql, (*later_params, *earlier_params)

    def as_sql(self, compiler, connection, **extra):  # other backends: ANSI-ish fallback
        if "template" not in extra:
            extra.setdefault("template", "(%(expressions)s)")
            extra.setdefault("arg_joiner", " - ")
        return super().as_sql(compiler, connection, **extra)


class _TenThousandths(Func):
    """Money as whole ten-thousandths (SQLite only): integers add up exactly, REALs drift."""

    template = "CAST(ROUND((%(expressions)s) * 10000) AS INTEGER)"
    output_field = IntegerField()


class MoneySum(Func):
    """Σ of a money expression, exact on both backends.

    PostgreSQL sums `numeric` exactly. SQLite stores decimals as REAL, so a plain SUM drifts
    (0.10 + 0.20 − 0.30 ≠ 0): there the sum runs over integer ten-thousandths and is scaled
    back once, so both databases return the same figure (exact up to 10^11 on SQLite).
    """

    output_field = DecimalField(max_digits=19, decimal_places=4)

    def __init__(self, expression, *, filter=None):  # noqa: A002 - mirrors Sum(filter=...)
        super().__init__(
            Sum(expression, filter=filter),
            Sum(_TenThousandths(expression), filter=filter, output_field=IntegerField()),
        )

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(self.source_expressions[0])

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[1])
        return f"CAST(({sql}) / 10000.0 AS NUMERIC)", params


class MinorUnits(Func):
    """A money expression rounded half away from zero to `places` decimals (a currency's minor
    unit), identically on both backends. This is the one rounding rule: each document's open
    balance is rounded before anything is summed, so shown parts add up to shown totals."""

    output_field = DecimalField(max_digits=19, decimal_places=4)

    def __init__(self, expression, places: int, **extra):
        if not 0 <= places <= 4:
            raise ValueError(f"places must be 0..4, got {places}")
        self.places = places
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"ROUND(({sql}), {int(self.places)})", params

    def as_sqlite(self, compiler, connection, **extra):
        # Via whole ten-thousandths first, so 1.005 (stored as 1.00499999…) rounds to 1.01;
        # k + 0.5 is exact in binary, and SQLite's ROUND() rounds it away from zero.
        sql, params = compiler.compile(self.source_expressions[0])
        step, scale = 10 ** (4 - self.places), 10**self.places
        rounded = f"ROUND(ROUND(({sql}) * 10000) / {step}.0) / {scale}.0"
        return f"CAST({rounded} AS NUMERIC)", params


class IdSet(Expression):
    """A set of row ids as one bound parameter, for `field__in=IdSet(ids)`.

    A risk band can hold tens of thousands of customers: one parameter per id would pass
    SQLite's 32,766-variable limit and bloat PostgreSQL's statement, so the ids travel as one
    array (PostgreSQL) or one JSON text (SQLite), unpacked by the database.
    """

    output_field = BigIntegerField()

    def __init__(self, ids: Iterable[int]):
        super().__init__()
        self.ids = sorted(ids)

    def as_sql(self, compiler, connection, **extra):
        return "(SELECT unnest(%s::bigint[]))", (self.ids,)

    def as_sqlite(self, compiler, connection, **extra):
        return "(SELECT value FROM json_each(%s))", (json.dumps(self.ids),)


@Field.register_lookup
class AnyOf(In):
    """`field__any_of=[...]`: `IN (…)` written as `= ANY(%s)` with one array parameter on
    PostgreSQL; plain `IN` elsewhere.

    The load looks rows up 500–2,000 external ids at a time. As `IN (%s, %s, …)` every query
    is prepared value by value by Django and split placeholder by placeholder by psycopg
    (about an eighth of a full load's Python time); as one array it is one parameter. Same
    rows, same index (`= ANY` of an array is an index condition like `IN`).
    """

    lookup_name = "any_of"

    def as_postgresql(self, compiler, connection):
        if not isinstance(self.rhs, list | tuple | set | frozenset):
            return super().as_sql(compiler, connection)  # a subquery
        values = list(dict.fromkeys(value for value in self.rhs if value is not None))
        if not all(type(value) is str for value in values) and not all(
            type(value) is int for value in values
        ):
            return super().as_sql(compiler, connection)
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


ForeignKey.register_lookup(AnyOf)  # `document_id__any_of=[pk, …]` (a relation's own registry)
