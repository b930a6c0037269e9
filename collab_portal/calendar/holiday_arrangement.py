"""Reading a year's holiday arrangement as an administrator enters it: the State Council's notice
pasted as it is published, or one line per holiday or make-up working day (a small text or CSV
file holds the same lines). The whole text is read before anything is saved; every refusal
names its line.

The lines read (the year is chosen beside the text):

    二、春节：2月15日（周日）至23日（周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
    元旦：1月1日（周五）放假1天，不调休。
    2027-02-06..2027-02-14 春节        (or ~, 至, a comma or a tab between the dates: a CSV row)
    2027-02-20 上班                    (or 补班, workday, make-up)

A line that names no day (the notice's title, its opening and closing sentences, a CSV header)
is skipped, and the preview lists it; a line that names a day is read or refused.
"""

from __future__ import annotations

import csv
import datetime
import re
from dataclasses import dataclass, field

from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from collab_portal.org.models import HolidayEntry

Kind = HolidayEntry.Kind

MAX_TEXT_CHARS = 20_000
MAX_LINES = 400
# The State Council's longest holidays are nine days; a longer range is a slip of the keyboard
# (2月15日至3月23日), and a year of days off would leave the calendar no working day to count to.
MAX_HOLIDAY_DAYS = 31
# A year's holidays add up to about 30 days (2026: 33).
MAX_HOLIDAY_DAYS_A_YEAR = 60
QUOTED_CHARS = 40  # of a line, in its refusal

# A day in the notice's words: [2027年][2月]15日, with what follows it in brackets (the weekday).
_NOTICE_DAY = re.compile(
    r"(?P<written>(?:(?P<year>\d{4})\s*年\s*)?(?:(?P<month>\d{1,2})\s*月\s*)?"
    r"(?P<day>\d{1,2})\s*日)(?:\s*[（(](?P<note>[^）)]*)[）)])?"
)
_ISO_DAY = r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"
_LINE_FORMAT = re.compile(
    rf"^(?P<first>{_ISO_DAY})"
    rf"(?:\s*(?:\.\.|~|～|至|到|—|–|,|，|\t|\s)\s*(?P<last>{_ISO_DAY}))?"
    r"(?:[\s,，;；]+(?P<label>.*?))?[\s,，;；]*$"
)
_NAMES_A_DAY = re.compile(rf"\d{{1,2}}\s*日|{_ISO_DAY}")
_ONLY_A_DATE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")  # the notice's signing
_NOTICE_OPENING = re.compile(r"安排通知如下[。：:]?$")
_NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]+|\d{1,2})\s*[、.．]\s*")
_CLAUSE_END = re.compile(r"[。；;，,]")
_RANGE_MARK = re.compile(r"^(?:至|到|~|～|—|–|－|-)$")
_LIST_MARKS = {"", "、", "和", "及"}
_COUNT = re.compile(r"(?:共|放假)\s*(\d{1,3})\s*天")
_WEEKDAY_IN_NOTE = re.compile(r"(?:星期|周|礼拜)([一二三四五六日天])")
_WEEKDAY_NUMBERS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
MAKE_UP_WORDS = {"workday", "working day", "make-up", "make-up day"}
_HOLIDAY_WORD, _MAKE_UP_WORD = "放假", "上班"


@dataclass(frozen=True)
class ArrangementEntry:
    kind: str  # HolidayEntry.Kind
    first_day: datetime.date
    last_day: datetime.date
    name: str
    line: int

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


@dataclass
class Arrangement:
    """A year's entries as read, with the lines that were skipped (they name no day)."""

    year: int
    entries: list[ArrangementEntry] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


class ArrangementRefused(Exception):
    """The text cannot be saved; ``errors`` says why, line by line."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class _LineRefused(Exception):
    pass


def _weekday_name(day: datetime.date) -> str:
    return str(WEEKDAYS[day.weekday()])


def read_arrangement(*, year: int, text: str) -> Arrangement:
    """The entries of ``text`` for ``year``; ArrangementRefused lists every line that is wrong
    (unreadable, out of order, outside the year, a make-up day on a weekday, overlapping)."""
    if len(text) > MAX_TEXT_CHARS:
        raise ArrangementRefused(
            [_("The text is longer than %(max)d characters.") % {"max": MAX_TEXT_CHARS}]
        )
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise ArrangementRefused([_("The text has more than %(max)d lines.") % {"max": MAX_LINES}])
    arrangement = Arrangement(year=year)
    errors: list[str] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip().strip("\ufeff")
        if not line:
            continue
        if line.startswith('"'):  # a quoted CSV row
            line = ",".join(next(csv.reader([line])))
        if _is_prose(line):
            arrangement.skipped.append((number, line))
            continue
        try:
            entries = _read_line(line, number=number, year=year)
        except _LineRefused as refused:
            errors.append(_line_error(number, line, str(refused)))
            continue
        arrangement.entries.extend(entries)
    errors.extend(_overlaps(arrangement.entries, lines))
    holiday_days = sum(entry.days for entry in arrangement.entries if entry.kind == Kind.HOLIDAY)
    if holiday_days > MAX_HOLIDAY_DAYS_A_YEAR:
        errors.append(
            _("The holidays add up to %(days)d days: a year has no more than %(max)d.")
            % {"days": holiday_days, "max": MAX_HOLIDAY_DAYS_A_YEAR}
        )
    if not errors and not arrangement.entries:
        errors.append(_("Nothing to save: no holiday and no make-up working day was found."))
    if errors:
        raise ArrangementRefused(errors)
    arrangement.entries.sort(key=lambda entry: entry.first_day)
    return arrangement


def _is_prose(line: str) -> bool:
    """The notice's title, opening and closing sentences, its signing date, a CSV header: lines
    that name no day and arrange nothing. A line that names a day, starts with a digit, or says
    放假 or 上班 (but the opening “…放假调休日期的具体安排通知如下”) is read."""
    if _ONLY_A_DATE.match(line):
        return True
    if _NAMES_A_DAY.search(line) or line[0].isdigit():
        return False
    says_what_to_do = _HOLIDAY_WORD in line or _says_make_up(line)
    return not says_what_to_do or _NOTICE_OPENING.search(line) is not None


def _line_error(number: int, line: str, problem: str) -> str:
    quoted = line if len(line) <= QUOTED_CHARS else line[: QUOTED_CHARS - 1] + "…"
    return _("Line %(number)d (“%(line)s”): %(problem)s") % {
        "number": number,
        "line": quoted,
        "problem": problem,
    }


def _read_line(line: str, *, number: int, year: int) -> list[ArrangementEntry]:
    if re.match(_ISO_DAY, line):
        return [_read_simple_line(line, number=number, year=year)]
    return _read_notice_line(line, number=number, year=year)


# --- the simple line format ---------------------------------------------------------------------


def _read_simple_line(line: str, *, number: int, year: int) -> ArrangementEntry:
    match = _LINE_FORMAT.match(line)
    if match is None:
        raise _LineRefused(_unreadable())
    first = _iso_day(match["first"])
    last = _iso_day(match["last"]) if match["last"] else first
    label = (match["label"] or "").strip()
    if label.lower() in MAKE_UP_WORDS or _says_make_up(label):
        kind, name = Kind.MAKE_UP_DAY, ""
    elif label:
        kind, name = Kind.HOLIDAY, label.removesuffix(_HOLIDAY_WORD).strip()
    else:
        raise _LineRefused(_("name the holiday, or write 上班 for a make-up working day."))
    entry = ArrangementEntry(kind=kind, first_day=first, last_day=last, name=name, line=number)
    _check_entry(entry, year=year)
    return entry


def _says_make_up(text: str) -> bool:
    return _MAKE_UP_WORD in text or "补班" in text


def _iso_day(text: str) -> datetime.date:
    try:
        return datetime.date(*(int(part) for part in re.split(r"[-/.]", text)))
    except ValueError as error:
        raise _LineRefused(_("%(date)s is not a date.") % {"date": text}) from error


def _unreadable() -> str:
    return _(
        "it cannot be read. Write a line of the State Council's notice as published, "
        "or “2027-02-06..2027-02-12 春节”, or “2027-02-20 上班”."
    )


# --- the State Council's notice -----------------------------------------------------------------


@dataclass
class _NoticeDay:
    day: datetime.date
    weekday_written: int | None


def _read_notice_line(line: str, *, number: int, year: int) -> list[ArrangementEntry]:
    """One numbered item of the notice: ``名称：<days>放假…，共N天。<days>上班。``"""
    name, rest = _split_name(_NUMBERING.sub("", line, count=1))
    entries: list[ArrangementEntry] = []
    month: int | None = None
    last_holiday: ArrangementEntry | None = None
    for clause in _CLAUSE_END.split(rest):
        if not clause.strip():
            continue
        count = _COUNT.search(clause)
        days, month = _days_of(clause, year=year, month=month)
        if not days:
            if count and last_holiday is not None:
                _check_count(last_holiday, int(count[1]))
            continue
        holiday, make_up = _HOLIDAY_WORD in clause, _says_make_up(clause)
        if holiday == make_up:
            raise _LineRefused(
                _(
                    "“%(clause)s” names a day but says neither 放假 (days off) nor 上班 "
                    "(a make-up working day)."
                )
                % {"clause": clause.strip()}
                if not holiday
                else _("“%(clause)s” says both 放假 and 上班.") % {"clause": clause.strip()}
            )
        kind = Kind.HOLIDAY if holiday else Kind.MAKE_UP_DAY
        for first, last in days:
            entry = ArrangementEntry(
                kind=kind,
                first_day=first.day,
                last_day=last.day,
                name=name if holiday else "",
                line=number,
            )
            _check_entry(entry, year=year)
            entries.append(entry)
        if holiday:
            last_holiday = entries[-1]
            if count:
                _check_count(last_holiday, int(count[1]))
    if not entries:
        raise _LineRefused(_unreadable())
    return entries


def _split_name(line: str) -> tuple[str, str]:
    """“春节：2月15日至…” → (“春节”, “2月15日至…”); without a name before a colon: ("", line)."""
    name, colon, rest = line.partition("：") if "：" in line else line.partition(":")
    if not colon or _NAMES_A_DAY.search(name):
        return "", line
    return name.strip()[:50], rest


def _days_of(
    clause: str, *, year: int, month: int | None
) -> tuple[list[tuple[_NoticeDay, _NoticeDay]], int | None]:
    """The days and ranges of ``clause`` (“2月14日（周六）、2月28日（周六）”, “9月29日至10月6日”),
    and the month the last one was in: a day written without its month takes the one before."""
    ranges: list[tuple[_NoticeDay, _NoticeDay]] = []
    previous_end = 0
    for match in _NOTICE_DAY.finditer(clause):
        if match["month"]:
            month = int(match["month"])
        if month is None:
            raise _LineRefused(_("%(date)s has no month.") % {"date": match["written"]})
        written_year = int(match["year"]) if match["year"] else year
        try:
            day = datetime.date(written_year, month, int(match["day"]))
        except ValueError as error:
            raise _LineRefused(_("%(date)s is not a date.") % {"date": match["written"]}) from error
        notice_day = _NoticeDay(day=day, weekday_written=_weekday_written(match["note"]))
        between = clause[previous_end : match.start()].strip()
        if ranges and _RANGE_MARK.match(between):
            ranges[-1] = (ranges[-1][0], notice_day)
        elif not ranges or between in _LIST_MARKS:
            ranges.append((notice_day, notice_day))
        else:
            raise _LineRefused(_unreadable())
        previous_end = match.end()
        _check_weekday(notice_day, year=year)
    return ranges, month


def _weekday_written(note: str | None) -> int | None:
    found = _WEEKDAY_IN_NOTE.search(note or "")
    return _WEEKDAY_NUMBERS[found[1]] if found else None


def _check_weekday(notice_day: _NoticeDay, *, year: int) -> None:
    """A weekday written beside a day must be that day's: otherwise the notice is another
    year's, or the year chosen is wrong."""
    written = notice_day.weekday_written
    if written is not None and written != notice_day.day.weekday():
        raise _LineRefused(
            _(
                "%(date)s is a %(actual)s, not a %(written)s as written: is this %(year)d's "
                "arrangement?"
            )
            % {
                "date": notice_day.day.isoformat(),
                "actual": _weekday_name(notice_day.day),
                "written": str(WEEKDAYS[written]),
                "year": year,
            }
        )


def _check_count(entry: ArrangementEntry, said: int) -> None:
    if said != entry.days:
        raise _LineRefused(
            _("it says %(said)d days, but %(first)s to %(last)s is %(days)d days.")
            % {
                "said": said,
                "first": entry.first_day.isoformat(),
                "last": entry.last_day.isoformat(),
                "days": entry.days,
            }
        )


# --- checks shared by both formats --------------------------------------------------------------


def _check_entry(entry: ArrangementEntry, *, year: int) -> None:
    if entry.last_day < entry.first_day:
        raise _LineRefused(
            _("the range ends (%(last)s) before it starts (%(first)s).")
            % {"first": entry.first_day.isoformat(), "last": entry.last_day.isoformat()}
        )
    for day in (entry.first_day, entry.last_day):
        if day.year != year:
            raise _LineRefused(
                _("%(date)s is not in %(year)d: enter each year's days with that year.")
                % {"date": day.isoformat(), "year": year}
            )
    if entry.days > MAX_HOLIDAY_DAYS:
        raise _LineRefused(
            _("%(first)s to %(last)s is %(days)d days: no holiday is longer than %(max)d days.")
            % {
                "first": entry.first_day.isoformat(),
                "last": entry.last_day.isoformat(),
                "days": entry.days,
                "max": MAX_HOLIDAY_DAYS,
            }
        )
    if entry.kind == Kind.MAKE_UP_DAY:
        weekday = _first_weekday(entry.first_day, entry.last_day)
        if weekday is not None:
            raise _LineRefused(
                _(
                    "%(date)s is a %(weekday)s, a working day already: a make-up working day "
                    "falls on a Saturday or Sunday."
                )
                % {"date": weekday.isoformat(), "weekday": _weekday_name(weekday)}
            )


def _first_weekday(first: datetime.date, last: datetime.date) -> datetime.date | None:
    """The first Monday to Friday of ``first``..``last``, if any (a week at most is looked at)."""
    for offset in range(min((last - first).days + 1, 7)):
        day = first + datetime.timedelta(days=offset)
        if day.weekday() < 5:
            return day
    return None


def _overlaps(entries: list[ArrangementEntry], lines: list[str]) -> list[str]:
    """A refusal for each entry that shares a day with an earlier one (by first day)."""
    errors = []
    reach: ArrangementEntry | None = None  # of the entries so far, the one that ends last
    for entry in sorted(entries, key=lambda entry: (entry.first_day, entry.line)):
        if reach is not None and entry.first_day <= reach.last_day:
            errors.append(
                _line_error(
                    entry.line,
                    lines[entry.line - 1].strip(),
                    _("%(date)s is also on line %(other)d: the days overlap.")
                    % {"date": entry.first_day.isoformat(), "other": reach.line},
                )
            )
        if reach is None or entry.last_day > reach.last_day:
            reach = entry
    return errors
