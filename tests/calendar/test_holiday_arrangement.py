"""Reading a year's holiday arrangement (issue 18, point 1): the State Council's notice as it is
published, or one line per holiday or make-up day; every wrong line refused by its number."""

import datetime

import chinese_calendar
import pytest
from django.utils import translation

from collab_portal.calendar.holiday_arrangement import ArrangementRefused, read_arrangement
from collab_portal.org.models import HolidayEntry
from tests.org.holiday_years import MADE_UP_2027

HOLIDAY, MAKE_UP = HolidayEntry.Kind.HOLIDAY, HolidayEntry.Kind.MAKE_UP_DAY

# 国办发明电〔2025〕7号, as published (chinesecalendar 1.11.0 holds the same days).
NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
国办发明电〔2025〕7号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。
国务院办公厅
2025年11月4日
"""


def _says(arrangement, day: datetime.date) -> bool:
    for entry in arrangement.entries:
        if entry.first_day <= day <= entry.last_day:
            return entry.kind == MAKE_UP
    return day.weekday() < 5


def _refusals(text: str, year: int = 2027) -> list[str]:
    with pytest.raises(ArrangementRefused) as refused:
        read_arrangement(year=year, text=text)
    return refused.value.errors


def test_the_state_councils_notice_as_published_gives_every_day_of_its_year():
    arrangement = read_arrangement(year=2026, text=NOTICE_2026)

    year = [datetime.date(2026, 1, 1) + datetime.timedelta(days=n) for n in range(365)]
    assert [
        day for day in year if _says(arrangement, day) != chinese_calendar.is_workday(day)
    ] == []
    spring = next(entry for entry in arrangement.entries if entry.name == "春节")
    assert (spring.kind, spring.first_day, spring.last_day, spring.line) == (
        HOLIDAY,
        datetime.date(2026, 2, 15),
        datetime.date(2026, 2, 23),
        7,
    )
    assert [line for line, _text in arrangement.skipped] == [1, 2, 4, 5, 13, 14, 15]


def test_the_brief_s_example_line_reads_as_one_holiday_and_two_make_up_days():
    arrangement = read_arrangement(
        year=2026,
        text="春节：2月15日至23日放假调休，共9天。2月14日（星期六）、2月28日（星期六）上班。",
    )
    assert [
        (e.kind, e.first_day.isoformat(), e.last_day.isoformat()) for e in arrangement.entries
    ] == [
        (MAKE_UP, "2026-02-14", "2026-02-14"),
        (HOLIDAY, "2026-02-15", "2026-02-23"),
        (MAKE_UP, "2026-02-28", "2026-02-28"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "2027-02-05..2027-02-13 春节\n2027-02-20 上班",
        "2027-02-05 ~ 2027-02-13 春节放假\n2027-02-20 补班",
        "开始日期,结束日期,名称\n2027-02-05,2027-02-13,春节\n2027-02-20,,上班",
        '"2027-02-05","2027-02-13","春节"\n"2027-02-20","","上班"',
        "2027-02-05\t2027-02-13\t春节\n2027/2/20\tworkday",
    ],
    ids=["dots", "tilde", "csv", "quoted-csv", "tabs"],
)
def test_the_simple_lines_and_a_csv_file_read_alike(text):
    arrangement = read_arrangement(year=2027, text=text)

    assert [(e.kind, e.first_day, e.last_day, e.name) for e in arrangement.entries] == [
        (HOLIDAY, datetime.date(2027, 2, 5), datetime.date(2027, 2, 13), "春节"),
        (MAKE_UP, datetime.date(2027, 2, 20), datetime.date(2027, 2, 20), ""),
    ]


def test_a_range_of_the_notice_may_cross_a_month_and_a_day_may_stand_alone():
    arrangement = read_arrangement(
        year=2027, text="中秋节、国庆节：9月29日至10月6日放假调休，共8天。\n元旦：1月1日放假1天。"
    )
    assert [(e.first_day.isoformat(), e.last_day.isoformat()) for e in arrangement.entries] == [
        ("2027-01-01", "2027-01-01"),
        ("2027-09-29", "2027-10-06"),
    ]
    assert arrangement.entries[1].name == "中秋节、国庆节"


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("2027-02-13..2027-02-05 春节", 1, "结束（2027-02-05）早于开始（2027-02-13）"),
        ("2027-01-01 元旦\n2027-02-16 上班", 2, "2027-02-16 是星期二，本来就是工作日"),
        ("2027-02-05..2027-02-13 春节\n2027-02-10..2027-02-14 其他", 2, "2027-02-10 与第 1 行重叠"),
        ("2027-02-05..2027-02-13 春节\n2027-02-13 上班", 2, "与第 1 行重叠"),
        ("2027-01-01 元旦\n2028-01-01 元旦", 2, "2028-01-01 不在 2027 年"),
        ("元旦：2026年12月31日至2027年1月2日放假", 1, "2026-12-31 不在 2027 年"),
        ("2027-02-3O 春节", 1, "无法识别"),
        ("27-02-05 春节", 1, "无法识别"),
        ("春节：2月30日放假", 1, "2月30日 不是有效日期"),
        (
            "春节：2月15日至23日放假调休，共9天。2月14日（星期六）上班。",
            1,
            "2027-02-14 是星期日，不是所写的星期六",
        ),
        ("春节：2月5日至13日放假，共8天。", 1, "写的是 8 天"),
        ("鼓励职工在除夕（2月5日）休息。", 1, "既没有说“放假”，也没有说“上班”"),
        ("春节放假七天", 1, "无法识别"),
        ("2027-02-05", 1, "写明节日名称"),
    ],
    ids=[
        "ends-before-it-starts",
        "make-up-on-a-weekday",
        "overlapping-ranges",
        "make-up-inside-a-holiday",
        "another-year",
        "notice-crossing-the-year",
        "unreadable-date",
        "two-digit-year",
        "no-such-day",
        "weekday-of-another-year",
        "wrong-count",
        "neither-holiday-nor-work",
        "no-day",
        "no-name",
    ],
)
def test_bad_input_is_refused_naming_its_line_in_the_person_s_language(text, line, says):
    [error] = _refusals(text)

    assert error.startswith(f"第 {line} 行"), error
    assert says in error, error


def test_every_wrong_line_is_named_at_once():
    errors = _refusals(
        "2027-02-16 上班\n2027-01-01 元旦\n2027-13-01 元旦\n2027-03-01..2027-02-01 x"
    )
    assert [error.split("（")[0] for error in errors] == ["第 1 行", "第 3 行", "第 4 行"]


def test_the_refusals_speak_english_to_an_english_reader():
    with translation.override("en"):
        [error] = _refusals("2027-02-16 上班")
    assert error.startswith("Line 1 (")
    assert "2027-02-16 is a Tuesday, a working day already" in error


def test_a_text_that_arranges_nothing_is_refused():
    assert _refusals("国务院办公厅\n各省、自治区：") == [
        "没有可保存的内容：未找到任何放假日或调休上班日。"
    ]


def test_the_made_up_year_of_the_tests_reads():
    arrangement = read_arrangement(year=2027, text=MADE_UP_2027)
    assert len(arrangement.entries) == 3
