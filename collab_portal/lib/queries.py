"""Query pieces shared by the apps' selectors."""

from collections.abc import Sequence

from django.db import connection
from django.db.models import BigIntegerField, F, Q, Value
from django.db.models.lookups import Lookup


class _AnyOf(Lookup):
    """``field = ANY(array)``: one parameter however many values."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def id_in(path: str, ids: Sequence[int]) -> Q | Lookup:
    """``path`` is one of ``ids``, for a filter. PostgreSQL is sent the ids as one array: as
    thousands of parameters (the cases of a leader's division) the driver spends longer quoting
    them into the query than the database spends answering it. Elsewhere: IN."""
    if connection.vendor != "postgresql":
        return Q(**{f"{path}__in": ids})
    from django.contrib.postgres.fields import ArrayField

    return _AnyOf(F(path), Value(list(ids), output_field=ArrayField(BigIntegerField())))
