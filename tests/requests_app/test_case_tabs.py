"""The case page's tabs: which a case has (never an empty one), which opens first (the tab of
the current stage) and the later stages' links each lists."""

import pytest
from django.urls import reverse

from cases.case_links import ResolvedLink
from cases.case_tabs import case_tabs
from requests_app.pages import case_page

WBS = ResolvedLink("任务分解", "/wbs/", "ti-sitemap", "tasks")
RISKS = ResolvedLink("风险登记", "/risks/", "ti-alert-triangle", "risks")
DELIVERY = ResolvedLink("结果交付与验收", "/delivery/", "ti-package", "delivery")
UNFILED = ResolvedLink("别的页面", "/other/", "ti-link", "")


def _keys(tabs) -> list[str]:
    return [tab.key for tab in tabs]


def _opened(tabs) -> str:
    (opened,) = [tab.key for tab in tabs if tab.is_open]
    return opened


def test_a_draft_has_its_form_and_nothing_else_yet():
    tabs = case_tabs(stage="draft", has_process=False, has_timeline=False, links=[])
    assert _keys(tabs) == ["form"] and _opened(tabs) == "form"


@pytest.mark.parametrize(
    "stage, opened",
    [
        ("pending_review", "form"),
        ("returned", "form"),
        ("syncing", "process"),
        ("planning", "process"),
        ("executing", "tasks"),
        ("accepting", "delivery"),
        ("archived", "delivery"),
        ("cancelled", "form"),
    ],
)
def test_the_tab_of_the_current_stage_opens_first(stage, opened):
    tabs = case_tabs(stage=stage, has_process=True, has_timeline=True, links=[WBS, RISKS, DELIVERY])
    assert _keys(tabs) == ["form", "process", "tasks", "risks", "delivery", "discussion"]
    assert _opened(tabs) == opened


def test_a_stage_whose_pages_are_not_there_opens_the_form():
    tabs = case_tabs(stage="breakdown", has_process=True, has_timeline=True, links=[])
    assert _keys(tabs) == ["form", "process", "discussion"] and _opened(tabs) == "form"


def test_each_tab_lists_its_links_and_the_form_takes_the_unfiled_ones():
    tabs = {
        tab.key: tab
        for tab in case_tabs(
            stage="executing", has_process=True, has_timeline=True, links=[WBS, RISKS, UNFILED]
        )
    }
    assert tabs["tasks"].links == [WBS] and tabs["risks"].links == [RISKS]
    assert tabs["form"].links == [UNFILED]
    assert tabs["tasks"].anchor == "tab-tasks"


def test_a_published_case_lists_the_stage_apps_pages_in_their_tabs(company, executing):
    tabs = {tab.key: tab for tab in case_page(user=company.sales_staff, request=executing).tabs}
    assert [tab for tab in tabs if tabs[tab].is_open] == ["tasks"]
    assert [link.url for link in tabs["tasks"].links] == [
        reverse(name, args=[executing.code])
        for name in (
            "tasks_app:wbs",
            "tasks_app:tracking",
            "tasks_app:gantt",
            "tasks_app:weekly_list",
        )
    ]
    assert [link.url for link in tabs["risks"].links] == [
        reverse("risks_app:case_register", args=[executing.code])
    ]
    assert [link.url for link in tabs["delivery"].links] == [
        reverse("acceptance_app:overview", args=[executing.code])
    ]


def test_the_page_renders_a_pane_per_tab_and_opens_the_stages(company, login, pending):
    body = login(company.sales_head).get(pending.get_absolute_url()).content.decode()
    assert 'id="tab-form"' in body and 'id="tab-discussion"' in body
    assert 'class="tab-pane active" id="tab-form"' in body
    assert 'data-testid="action-bar"' in body and 'form="review-form"' in body
