"""SQL expressions that PostgreSQL and SQLite spell differently, written once for both."""

from django.db.models import Func, IntegerField


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
