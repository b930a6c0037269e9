"""The public questions: the KPIs over a period, per ISO week (the trend), and a period against
an earlier baseline — each read from one window of events (``queries._facts``)."""

from __future__ import annotations

import datetime

# The retrospective's shape of a return reason's count, so a case's report and the KPIs show
# reasons alike.
from insights_app.kpis.definitions import (
    DEFINITION_OF,
    HIGHER,
    KPI_KEYS,
    Better,
    KpiComparison,
    KpiValue,
)
from insights_app.kpis.facts import _Facts
from insights_app.kpis.queries import _cases_in, _departments_in_scope, _facts

ONE_DAY = datetime.timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# The public questions


def kpis_for(
    *, department_ids: set[int] | None, start: datetime.date, end: datetime.date
) -> dict[str, KpiValue]:
    """The nine KPIs of the departments ``department_ids`` (and the departments below them;
    None: the whole company) over ``start``..``end`` (both included), by key."""
    scope = _departments_in_scope(department_ids)
    return _facts(scope, _cases_in(scope), start=start, end=end).kpis(start=start, end=end)


def kpi_trend(
    *, department_ids: set[int] | None, last_week_end: datetime.date, weeks: int = 12
) -> dict[str, list[tuple[int, int, KpiValue]]]:
    """The KPIs per ISO week (Monday to Sunday), oldest first: the ``weeks`` weeks up to the
    one holding ``last_week_end``. Each entry is (ISO year, ISO week, value); the window is
    read once and sorted into its weeks here."""
    first_monday, last_sunday = _trend_window(last_week_end, weeks)
    scope = _departments_in_scope(department_ids)
    facts = _facts(scope, _cases_in(scope), start=first_monday, end=last_sunday)
    return _trend_from(facts, first_monday, weeks)


def kpi_compare(
    *,
    department_ids: set[int] | None,
    period: tuple[datetime.date, datetime.date],
    baseline: tuple[datetime.date, datetime.date],
) -> dict[str, KpiComparison]:
    """Each KPI over ``period`` against ``baseline`` (both (start, end), ends included)."""
    scope = _departments_in_scope(department_ids)
    cases = _cases_in(scope)
    current = _facts(scope, cases, start=period[0], end=period[1])
    before = _facts(scope, cases, start=baseline[0], end=baseline[1])
    return _compare_from(current, before, period=period, baseline=baseline)


# Read the trend's and the comparison's events at once when together they span at most this
# (the dashboard's default: the 12 weeks to now against the 12 before them); periods further
# apart are read each on its own rather than with everything between them.
SHARED_READ_LIMIT = datetime.timedelta(weeks=60)


def kpi_trend_and_compare(
    *,
    department_ids: set[int] | None,
    last_week_end: datetime.date,
    period: tuple[datetime.date, datetime.date],
    baseline: tuple[datetime.date, datetime.date],
    weeks: int = 12,
) -> tuple[dict[str, list[tuple[int, int, KpiValue]]], dict[str, KpiComparison]]:
    """``kpi_trend`` and ``kpi_compare`` together, as the dashboard asks for them, from one read
    of the events when their windows lie close together (the same answers: a window's events
    are summed by date, so a wider read holds each narrower one)."""
    first_monday, last_sunday = _trend_window(last_week_end, weeks)
    start = min(first_monday, period[0], baseline[0])
    end = max(last_sunday, period[1], baseline[1])
    if end < start or end - start > SHARED_READ_LIMIT or period[1] < period[0]:
        trend = kpi_trend(department_ids=department_ids, last_week_end=last_week_end, weeks=weeks)
        compared = kpi_compare(department_ids=department_ids, period=period, baseline=baseline)
        return trend, compared
    if baseline[1] < baseline[0]:
        raise ValueError(f"the period ends ({baseline[1]}) before it starts ({baseline[0]})")
    scope = _departments_in_scope(department_ids)
    facts = _facts(scope, _cases_in(scope), start=start, end=end)
    trend = _trend_from(facts, first_monday, weeks)
    return trend, _compare_from(facts, facts, period=period, baseline=baseline)


def _trend_window(last_week_end: datetime.date, weeks: int) -> tuple[datetime.date, datetime.date]:
    if weeks < 1:
        raise ValueError("a trend needs at least one week")
    last_monday = last_week_end - datetime.timedelta(days=last_week_end.weekday())
    return last_monday - datetime.timedelta(weeks=weeks - 1), last_monday + 6 * ONE_DAY


def _trend_from(
    facts: _Facts, first_monday: datetime.date, weeks: int
) -> dict[str, list[tuple[int, int, KpiValue]]]:
    trend: dict[str, list[tuple[int, int, KpiValue]]] = {key: [] for key in KPI_KEYS}
    for number in range(weeks):
        monday = first_monday + datetime.timedelta(weeks=number)
        iso_year, iso_week, _weekday = monday.isocalendar()
        for key, value in facts.kpis(start=monday, end=monday + 6 * ONE_DAY).items():
            trend[key].append((iso_year, iso_week, value))
    return trend


def _compare_from(current: _Facts, before: _Facts, *, period, baseline) -> dict[str, KpiComparison]:
    now = current.kpis(start=period[0], end=period[1])
    then = before.kpis(start=baseline[0], end=baseline[1])
    return {
        key: _comparison(now[key], then[key], better=DEFINITION_OF[key].better) for key in KPI_KEYS
    }


def _comparison(current: KpiValue, baseline: KpiValue, *, better: Better) -> KpiComparison:
    if current.value is None or baseline.value is None:
        return KpiComparison(current, baseline, relative_change=None, improved=None)
    change = None
    if baseline.value:
        change = (current.value - baseline.value) / baseline.value
    if better == HIGHER:
        improved = current.value > baseline.value
    else:
        improved = current.value < baseline.value
    return KpiComparison(current, baseline, relative_change=change, improved=improved)
