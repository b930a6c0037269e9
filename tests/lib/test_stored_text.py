"""Text: a sentence stored as its message and parameters, shown in the reader's language."""

from django.utils import translation
from django.utils.translation import gettext_lazy

from collab_portal.lib.stored_text import Text, as_json, in_portal_language, shown


def in_language(language, value) -> str:
    with translation.override(language):
        return str(value)


def test_it_renders_in_whatever_language_is_active_when_shown():
    text = Text(gettext_lazy("{code} was cancelled"), code="CR-2026-0001")

    assert in_language("zh-hans", text) == "CR-2026-0001 已取消"
    assert in_language("en", text) == "CR-2026-0001 was cancelled"


def test_it_survives_the_database_and_nests():
    note = Text(gettext_lazy("A major risk escalates on creation."))
    text = Text(gettext_lazy("{code} → {leader}: {note}"), code="R01", leader="孙伟", note=note)

    stored = Text.from_json(as_json(text))

    assert stored == text
    assert in_language("en", stored) == "R01 → 孙伟: A major risk escalates on creation."
    assert in_language("zh-hans", stored) == "R01 → 孙伟：重大风险登记时即上报。"


def test_a_counted_sentence_takes_the_form_its_count_needs():
    one = Text.counted(
        "%(count)s of your tasks is overdue", "%(count)s of your tasks are overdue", 1
    )
    two = Text.from_json(
        as_json(
            Text.counted(
                "%(count)s of your tasks is overdue", "%(count)s of your tasks are overdue", 2
            )
        )
    )

    assert in_language("en", one) == "1 of your tasks is overdue"
    assert in_language("en", two) == "2 of your tasks are overdue"
    assert in_language("zh-hans", two) == "你有 2 个任务已逾期"


def test_percent_placeholders_and_lazy_parameters_work_too():
    text = Text(gettext_lazy("Head of %(department)s"), department="市场部")

    assert in_language("en", text) == "Head of 市场部"
    assert in_language("zh-hans", text) == "市场部负责人"
    assert in_portal_language(text) == "市场部负责人"


def test_plain_text_is_not_a_message_and_a_broken_one_falls_back():
    assert as_json("张三的意见") is None
    assert shown(None, "原文") == "原文"
    assert shown({"msgid": "{missing}", "params": {}}, "原文") == "原文"
