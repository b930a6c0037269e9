"""工作台: the inbox's tabs for each role — exactly which rows, counts equal to the rows, filters
that narrow them, 催办 from a row, only cases the person may see — and a constant number of
queries whatever the data size."""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.calendar.workdays import WorkdayCalendar
from collab_portal.dashboard import inbox
from collab_portal.org.models import User
from requests_app import services
from tests.factories import DelegationFactory, DepartmentFactory, UserFactory
from tests.fixtures.inbox_cases import (
    accepting_case,
    build_unit,
    draft_case,
    escalated_risk,
    executing_case,
    pending_case,
    proposed_case,
)

TABS = inbox.TAB_KEYS


@dataclass
class HumanResources:
    """A third department, outside the division: one person copied in, one stranger."""

    department: object
    copied: User
    stranger: User


@pytest.fixture
def hr(company):
    department = DepartmentFactory(code="HR", name="人事部", parent=company.company)
    return HumanResources(
        department,
        UserFactory(username="hr_staff", display_name="孙七", department=department),
        UserFactory(username="hr_other", display_name="周八", department=department),
    )


@pytest.fixture
def world(company, hr):
    """Four cases initiated by sales_staff for the tech department: a draft (D), one pending
    review with hr_staff copied in (P), one whose plan waits for both heads (L), one executing
    with a major risk escalated to the leader in charge (E)."""
    cases = {"D": draft_case(company, "草稿需求")}
    cases["P"] = pending_case(company, "待审需求")
    services.request_copy_in(actor=company.sales_staff, request=cases["P"], people=[hr.copied])
    cases["L"] = proposed_case(company, "待确认方案需求").request
    cases["E"] = executing_case(company, "执行中需求")
    escalated_risk(company, cases["E"])
    return {name: case.code for name, case in cases.items()}


def _page(client, tab, **params):
    response = client.get("/", {"tab": tab, **params})
    assert response.status_code == 200
    return response


def tab_counts(client, tab, **params) -> dict[str, int]:
    """Every tab's count as the person sees it: the page's own, and those it fetches once it
    is up and swaps into their badges."""
    shown = _page(client, tab, **params).context["inbox"].tabs
    response = client.get("/inbox/counts/", {"tab": tab, **params})
    assert response.status_code == 200
    fetched = {summary.key: summary.count for summary in response.context["tabs"]}
    body = response.content.decode()
    for key, count in fetched.items():
        if count or key != "waiting":
            assert 'hx-swap-oob="true" class="badge' in body
            assert f'data-testid="tab-count-{key}">{count}</span>' in body
    built = {summary.key: summary.count for summary in shown if summary.count is not None}
    assert not set(built) & set(fetched)
    return {**built, **fetched}


def rows(client, tab, **params) -> list[tuple[str, tuple[str, ...]]]:
    """(case code, kinds) of each row the tab lists, in its order."""
    page = _page(client, tab, **params).context["inbox"].page
    return [(entry.case.code, tuple(entry.kind_keys)) for entry in page.object_list]


def _named(world, expected):
    return [(world[name], tuple(kinds.split())) for name, kinds in expected]


# Per role and tab: the rows, in the tab's order (waiting: longest waiting first; the others:
# newest first). A tab left out lists nothing.
EXPECTED = {
    "sales_staff": {
        "initiated": [("E", "request"), ("L", "request"), ("P", "request"), ("D", "request")],
        "drafts": [("D", "draft_request")],
    },
    "sales_head": {
        "waiting": [("P", "review"), ("L", "plan_confirmation")],
        "handled": [("E", "plan_sign"), ("E", "approve"), ("L", "approve")],
        "involved": [("E", "reviewer signer"), ("L", "reviewer"), ("P", "reviewer")],
    },
    "tech_head": {
        # today's update waits since the start of the day: before the plan was proposed
        "waiting": [("E", "task_update"), ("L", "plan_confirmation")],
        "handled": [("E", "plan_sign")],
        "involved": [
            ("E", "receiver_head signer task_owner"),
            ("L", "receiver_head"),
            ("P", "receiver_head"),
        ],
    },
    "tech_staff": {
        "waiting": [("E", "task_update"), ("E", "task_update")],
        "handled": [("E", "sync_ack"), ("L", "sync_ack")],
        "involved": [
            ("E", "coordinator plan_author task_owner risk_owner"),
            ("L", "plan_author"),
        ],
    },
    "leader": {"waiting": [("E", "escalation")], "involved": [("E", "risk_escalated")]},
    "hr_staff": {"copied": [("P", "cc")]},
    "hr_other": {},
}


@pytest.mark.parametrize("username", list(EXPECTED))
def test_each_role_sees_exactly_its_rows_and_each_count_equals_the_rows(
    username, company, hr, world, login
):
    client = login(User.objects.get(username=username))
    fetched = tab_counts(client, "waiting")
    for tab in TABS:
        response = _page(client, tab)
        page = response.context["inbox"]
        listed = [(e.case.code, tuple(e.kind_keys)) for e in page.page.object_list]
        assert listed == _named(world, EXPECTED[username].get(tab, [])), (username, tab)
        counts = {summary.key: summary.count for summary in page.tabs}
        assert counts[tab] == len(listed) == page.count == fetched[tab], (username, tab)
        # the page builds the tab shown and the waiting tab; it fetches the others' counts
        assert {key for key, count in counts.items() if count is not None} == {tab, "waiting"}
        assert page.counts_pending
        assert ('hx-get="/inbox/counts/?tab=' + tab) in response.content.decode()
        body = response.content.decode()
        if listed or tab != "waiting":  # the red badge of an empty waiting tab is left out
            assert f'data-testid="tab-count-{tab}">{len(listed)}</span>' in body
        if tab == "waiting" and listed:
            assert 'data-testid="title-waiting-count"' in body
            assert response.content.decode().count(f"({len(listed)}) ") >= 1  # <title>


def test_the_waiting_tab_shows_who_from_and_how_long_in_working_days(company, world, login):
    case = Case.objects.get(code=world["P"])
    ten_days_ago = timezone.now() - datetime.timedelta(days=10)
    Case.objects.filter(pk=case.pk).update(submitted_at=ten_days_ago)
    response = _page(login(company.sales_head), "waiting")
    first = response.context["inbox"].page.object_list[0]
    assert first.case.code == world["P"]
    assert (first.counterpart, first.counterpart_department) == ("张三", "销售部")
    today = timezone.localdate()
    start = timezone.localdate(ten_days_ago) + datetime.timedelta(days=1)
    calendar = WorkdayCalendar(start, today)
    days = calendar.workdays_between(start, today)  # the PRC calendar: holidays do not count
    assert days >= 1
    assert first.waited == ngettext(
        "waited %(count)d working day", "waited %(count)d working days", days
    ) % {"count": days}
    assert first.waited in response.content.decode()
    # A plan proposed this morning has waited hours, not working days.
    second = response.context["inbox"].page.object_list[1]
    assert second.case.code == world["L"]
    assert second.waited.startswith(gettext("waiting %(duration)s").split("%(duration)s")[0])


def test_the_initiator_sees_whom_each_case_waits_on(company, world, login):
    page = _page(login(company.sales_staff), "initiated").context["inbox"].page
    by_code = {entry.case.code: entry for entry in page.object_list}
    assert by_code[world["D"]].counterpart == gettext("You")
    assert by_code[world["P"]].counterpart == "李四"
    assert by_code[world["L"]].counterpart == "李四、赵六"  # both sides still to sign
    assert by_code[world["E"]].counterpart == "王五"  # the coordinator
    assert [code for code, entry in by_code.items() if entry.urge_url] == [
        world["L"],
        world["P"],
    ]
    assert by_code[world["P"]].urge_url == f"/requests/{world['P']}/urge/"
    assert by_code[world["L"]].urge_url == f"/requests/{world['L']}/plan/urge/"


def test_no_row_is_about_a_case_the_person_may_not_see(company, hr, world, login, monkeypatch):
    """Whatever a source gives, the case loader leaves out the cases the person may not see."""
    pending = Case.objects.get(code=world["P"])
    stray = inbox.InboxRow(kind="review", case_id=pending.pk, url="/stray/")
    sources = {**inbox._inbox_sources, "waiting": [lambda *, context: [stray]]}
    monkeypatch.setattr(inbox, "_inbox_sources", sources)
    assert rows(login(hr.stranger), "waiting") == []
    assert rows(login(company.sales_head), "waiting") == [(world["P"], ("review",))]


def test_a_hand_over_waits_for_the_new_reviewer_and_is_handled_by_the_old(
    company, login, finance_head
):
    case = pending_case(company, "转交需求")
    services.request_hand_over(actor=company.sales_head, request=case, to=finance_head)
    client = login(finance_head)
    assert rows(client, "waiting") == [(case.code, ("hand_over",))]
    entry = _page(client, "waiting").context["inbox"].page.object_list[0]
    assert entry.counterpart == "李四"  # who handed it over
    client = login(company.sales_head)
    assert rows(client, "waiting") == []
    assert rows(client, "handled") == [(case.code, ("hand_over",))]


def test_a_delegate_sees_the_review_of_the_head_they_act_for(company, hr, world, login):
    DelegationFactory(principal=company.sales_head, delegate=hr.copied)
    page = _page(login(hr.copied), "waiting").context["inbox"].page
    kinds = [(entry.case.code, entry.kind_keys[0]) for entry in page.object_list]
    assert kinds == [(world["P"], "review"), (world["L"], "plan_confirmation")]
    assert page.object_list[0].detail == gettext("for %(name)s") % {"name": "李四"}


def test_acceptance_waits_for_the_initiator_and_the_coordinator_may_urge_it(company, login):
    case = accepting_case(company, "验收需求")
    assert rows(login(company.sales_staff), "waiting") == [(case.code, ("acceptance",))]
    client = login(company.tech_staff)
    involved = _page(client, "involved").context["inbox"].page.object_list
    assert [(e.case.code, e.kind_keys) for e in involved] == [
        (case.code, ["coordinator", "plan_author", "task_owner"])
    ]
    url = involved[0].urge_url
    assert url == f"/requests/{case.code}/delivery/v1/urge/"
    response = client.post(url, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        gettext("The acceptor has been reminded.")
    ]
    assert _urges(case, "delivery_urge") == 1


def _urges(case, verb) -> int:
    return Activity.objects.filter(
        subject_type=ContentType.objects.get_for_model(Case),
        subject_id=str(case.pk),
        verb=verb,
    ).count()


def test_urging_from_a_row_is_recorded_and_a_second_urge_within_4_hours_is_refused(
    company, world, login
):
    client = login(company.sales_staff)
    page = _page(client, "initiated")
    case = Case.objects.get(code=world["P"])
    url = f"/requests/{case.code}/urge/"
    assert f'action="{url}"' in page.content.decode()  # the row's 催办 button posts here
    first = client.post(url, follow=True, HTTP_HX_REQUEST="true")
    assert [str(m) for m in first.context["messages"]] == [
        gettext("The reviewer has been reminded.")
    ]
    # The button swaps in the messages of the answer (hx-select): they lead the page body.
    assert re.search(
        r'<div class="container-xl">\s*<div class="alert alert-success alert-dismissible"',
        first.content.decode(),
    )
    assert _urges(case, "urge") == 1
    second = client.post(url, follow=True)
    [refusal] = [str(m) for m in second.context["messages"]]
    last = Activity.objects.get(verb="urge", subject_id=str(case.pk)).created_at
    assert refusal == gettext("You urged at %(last)s; you can urge again after %(next)s.") % {
        "last": timezone.localtime(last).strftime("%H:%M"),
        "next": timezone.localtime(last + datetime.timedelta(hours=4)).strftime("%m-%d %H:%M"),
    }
    assert _urges(case, "urge") == 1


def test_urging_a_plan_from_its_row_reminds_the_sides_that_have_not_signed(company, world, login):
    client = login(company.sales_staff)
    case = Case.objects.get(code=world["L"])
    response = client.post(f"/requests/{case.code}/plan/urge/", follow=True)
    assert len(list(response.context["messages"])) == 1
    assert _urges(case, "plan_urge") == 1


# --- filters ---------------------------------------------------------------------------------


def test_filters_narrow_the_rows_and_the_counts(company, hr, world, login):
    client = login(company.sales_head)
    assert rows(client, "waiting", kind="review") == [(world["P"], ("review",))]
    assert rows(client, "involved", stage="executing") == [(world["E"], ("reviewer", "signer"))]
    counts = tab_counts(client, "involved", stage="executing")
    # Every tab counts under the same filters (the type filter is the shown tab's own).
    assert counts == {
        "waiting": 0,
        "handled": 2,
        "initiated": 0,
        "involved": 1,
        "copied": 0,
        "drafts": 0,
    }
    # The type filter is the shown tab's: the other tabs count as with no filter at all.
    plain, typed = tab_counts(client, "waiting"), tab_counts(client, "waiting", kind="review")
    assert typed == {**plain, "waiting": 1}
    assert plain["waiting"] > 1 and plain["handled"] == 3
    other = UserFactory(username="sales_other", display_name="吴九", department=company.sales)
    theirs = pending_case(company, "另一人的需求", initiator=other)
    assert [code for code, _kinds in rows(client, "waiting")] == [
        world["P"],
        world["L"],
        theirs.code,
    ]
    assert rows(client, "waiting", initiator=other.pk) == [(theirs.code, ("review",))]


def test_a_filter_chosen_on_one_tab_stays_valid_on_another(company, hr, world, login):
    """A department chosen on a tab the page did not build (the counts' tabs are built apart)
    stays a valid choice: it is applied, not refused; one that does not exist is refused."""
    client = login(company.sales_head)
    response = _page(client, "drafts", department=hr.department.pk)
    form = response.context["filter_form"]
    assert not form.errors
    assert (hr.department.pk, "人事部") in form.fields["department"].choices
    assert response.context["inbox"].filtered
    assert tab_counts(client, "drafts", department=hr.department.pk)["waiting"] == 0
    assert _page(client, "drafts", department=999999).context["filter_form"].errors


def test_the_department_filter_matches_the_initiating_or_a_receiving_department(
    company, hr, world, login
):
    to_hr = draft_case(company, "给人事部的需求", receivers=[company.tech, hr.department])
    client = login(company.sales_staff)
    assert rows(client, "initiated", department=hr.department.pk) == [
        (to_hr.code, ("multi_party",))
    ]
    assert len(rows(client, "initiated", department=company.tech.pk)) == 5
    assert len(rows(client, "initiated", department=company.sales.pk)) == 5


def test_the_date_filter_narrows_by_when_the_row_began(company, world, login):
    client = login(company.sales_head)
    today = timezone.localdate()
    assert len(rows(client, "waiting", since_from=today.isoformat())) == 2
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    assert rows(client, "waiting", since_from=tomorrow) == []
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert rows(client, "waiting", since_to=yesterday) == []
    body = _page(client, "waiting", since_from=tomorrow).content.decode()
    assert 'data-testid="inbox-empty"' in body and "?tab=waiting" in body


@pytest.mark.parametrize(
    "params",
    [
        {"since_from": "2026-13-45"},
        {"since_to": "yesterday"},
        {"since_from": "2026-05-02", "since_to": "2026-05-01"},
        {"stage": "nonsense"},
        {"initiator": "abc"},
        {"department": "999999"},
        {"kind": "<script>"},
    ],
)
def test_a_bad_filter_shows_a_message_and_lists_the_rows_unfiltered(company, world, login, params):
    client = login(company.sales_head)
    response = _page(client, "waiting", **params)
    body = response.content.decode()
    assert 'data-testid="filter-errors"' in body
    assert response.context["filter_form"].errors
    assert len(response.context["inbox"].page.object_list) == 2
    assert "<script>" not in body.split('data-testid="filter-errors"')[1][:2000]


def test_an_unknown_tab_or_page_falls_back_to_the_first(company, world, login):
    client = login(company.sales_head)
    response = _page(client, "nonsense", page="abc")
    assert response.context["inbox"].tab.key == "waiting"
    assert len(response.context["inbox"].page.object_list) == 2


def test_a_long_tab_is_paginated_by_25(company, login):
    codes = [draft_case(company, f"草稿{n}").code for n in range(27)]
    client = login(company.sales_staff)
    first = _page(client, "drafts").context["inbox"]
    assert first.count == 27
    assert [e.case.code for e in first.page.object_list] == codes[::-1][:25]
    second = _page(client, "drafts", page=2).context["inbox"]
    assert [e.case.code for e in second.page.object_list] == codes[::-1][25:]
    body = _page(client, "drafts", page=2).content.decode()
    assert 'data-testid="pagination"' in body and "/?tab=drafts&amp;page=1" in body


def test_drafts_hold_my_requests_plans_delivery_lists_and_weekly_summaries(company, hr, login):
    unit = build_unit(company, hr.copied)
    drafts = [(code, kinds[0]) for code, kinds in rows(login(company.tech_staff), "drafts")]
    assert sorted(drafts) == sorted(
        [
            (unit.cases["executing"].code, "weekly_draft"),
            (unit.cases["executing"].code, "draft_delivery"),
            (unit.cases["draft_plan"].code, "draft_plan"),
        ]
    )
    drafts = [(code, kinds[0]) for code, kinds in rows(login(company.sales_staff), "drafts")]
    assert sorted(drafts) == sorted(
        [
            (unit.cases["draft"].code, "draft_request"),
            (unit.cases["returned"].code, "returned_request"),
        ]
    )


# --- queries ---------------------------------------------------------------------------------

ROLES = ["sales_staff", "sales_head", "tech_head", "tech_staff", "leader", "hr_staff"]


def _measure(client) -> tuple[dict, dict]:
    counts, sizes = {}, {}
    for username in ROLES:
        client.force_login(User.objects.get(username=username))
        client.get("/")  # warm caches (content types, session)
        for tab in TABS:
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/", {"tab": tab})
            assert response.status_code == 200
            counts[(username, tab)] = len(queries)
            sizes[(username, tab)] = response.context["inbox"].count
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/inbox/counts/").status_code == 200
        counts[(username, "counts")] = len(queries)
    return counts, sizes


def test_every_tab_runs_the_same_queries_with_ten_times_the_data(company, hr, client):
    build_unit(company, hr.copied, 0)
    few, small = _measure(client)
    for n in range(1, 10):
        build_unit(company, hr.copied, n)
    many, large = _measure(client)
    print("\ninbox queries per page (role, tab): N → 10×N rows, queries")
    for key in few:
        rows_seen = f"rows {small.get(key, '-'):>3} → {large.get(key, '-'):>3}"
        print(f"  {key[0]:12} {key[1]:10} {rows_seen}  queries {few[key]} → {many[key]}")
    assert many == few
    for key, size in small.items():
        assert large[key] == 10 * size, key
    assert sum(small.values()) > 40
