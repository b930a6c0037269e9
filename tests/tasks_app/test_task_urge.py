"""催办 an overdue task: the coordinator nudges its owner, at most once per 4 hours per task
and sender; the line goes on the case's timeline and the owner is notified.

In the ``executing`` case 王五 (tech_staff) coordinates; 问卷设计 is owned by 赵六 (tech_head)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case
from collab_portal.activity.models import Activity
from collab_portal.lib.refusals import ActionRefused
from collab_portal.notifications.models import Notification
from tasks_app import services
from tasks_app.models import Task
from tests.fixtures.execution import day

NOT_OVERDUE = "Only an overdue task that is not done can be urged."
NOT_THEIRS = (
    "Only the coordinator, or a head or leader in charge of the task's department, urges its owner."
)
NOBODY = "This task has nobody else to urge: assign an active owner first."


def overdue(task: Task, **fields) -> Task:
    Task.objects.filter(pk=task.pk).update(start_on=day(-10), due_on=day(-1), **fields)
    task.refresh_from_db()
    return task


@pytest.fixture
def survey(executing):
    return overdue(Task.objects.get(request=executing, name="问卷设计"))


def test_the_coordinator_urges_the_owner_of_an_overdue_task(company, executing, survey):
    assert services.task_urge(actor=company.tech_staff, task=survey) == company.tech_head

    line = Activity.objects.get(verb="task_urge")
    assert (line.subject, line.target, line.actor) == (executing, survey, company.tech_staff)
    assert "问卷设计" in line.comment and "赵六" in line.comment
    notification = Notification.objects.filter(recipient=company.tech_head).latest("pk")
    assert "问卷设计" in notification.title and executing.code in notification.title
    assert notification.url == survey.get_absolute_url()


def test_at_most_once_per_4_hours_per_task_and_sender(company, executing, survey):
    feedback = overdue(
        Task.objects.get(request=executing, name="方案反馈"), owner=company.tech_head
    )
    services.task_urge(actor=company.tech_staff, task=survey)

    with pytest.raises(ActionRefused, match="催办"):
        services.task_urge(actor=company.tech_staff, task=survey)
    services.task_urge(actor=company.tech_staff, task=feedback)  # another task
    services.task_urge(actor=company.admin, task=survey)  # another sender
    Activity.objects.filter(verb="task_urge").update(
        created_at=Activity.objects.get(target_id=str(feedback.pk)).created_at
        - datetime.timedelta(hours=4, minutes=1)
    )
    services.task_urge(actor=company.tech_staff, task=survey)

    assert Activity.objects.filter(verb="task_urge", target_id=str(survey.pk)).count() == 3


def test_only_the_coordinator_urges_and_only_an_overdue_open_leaf(company, executing, survey):
    research = Task.objects.get(request=executing, name="需求调研")
    interviews = overdue(Task.objects.get(request=executing, name="客户访谈"))
    on_time = Task.objects.get(request=executing, name="方案反馈")
    Task.objects.filter(pk=on_time.pk).update(owner=company.tech_head)
    on_time.refresh_from_db()

    refusals = [
        # the head of its department may urge, but it is his own task
        (company.tech_head, survey, NOBODY),
        (company.sales_staff, survey, NOT_THEIRS),
        (company.tech_staff, research, "A parent task follows its subtasks; urge those instead."),
        (company.tech_staff, on_time, NOT_OVERDUE),
        # the coordinator's own task: there is nobody else to urge
        (company.tech_staff, interviews, NOBODY),
    ]
    for actor, task, message in refusals:
        with pytest.raises(ActionRefused, match=re.escape(_(message))):
            services.task_urge(actor=actor, task=task)
    Task.objects.filter(pk=survey.pk).update(status=Task.Status.DONE)
    with pytest.raises(ActionRefused, match=re.escape(_(NOT_OVERDUE))):
        services.task_urge(actor=company.tech_staff, task=survey)
    Task.objects.filter(pk=survey.pk).update(status=Task.Status.IN_PROGRESS)
    Case.objects.filter(pk=executing.pk).update(stage=Case.Stage.ACCEPTING)
    with pytest.raises(ActionRefused):
        services.task_urge(actor=company.tech_staff, task=survey)

    assert not Activity.objects.filter(verb="task_urge").exists()


def test_the_head_or_leader_in_charge_of_its_department_urges_too(company, executing, survey):
    assert survey.lead_department == company.tech
    Task.objects.filter(pk=survey.pk).update(owner=company.tech_staff)
    survey.refresh_from_db()
    Case.objects.filter(pk=executing.pk).update(coordinator=company.sales_staff)

    services.task_urge(actor=company.tech_head, task=survey)
    services.task_urge(actor=company.leader, task=survey)  # leader in charge of the division
    with pytest.raises(ActionRefused, match=re.escape(_(NOT_THEIRS))):
        services.task_urge(actor=company.sales_head, task=survey)  # another department's head

    assert sorted(
        Activity.objects.filter(verb="task_urge").values_list("actor__username", flat=True)
    ) == ["leader", "tech_head"]


def test_the_task_page_offers_the_button_to_the_coordinator_and_it_urges(
    company, executing, survey, login
):
    page = reverse("tasks_app:task", args=[executing.code, survey.pk])
    urge = reverse("tasks_app:task_urge", args=[executing.code, survey.pk])

    assert 'data-testid="urge"' not in login(company.tech_head).get(page).content.decode()
    client = login(company.tech_staff)
    assert 'data-testid="urge"' in client.get(page).content.decode()
    assert client.get(urge).status_code == 405

    response = client.post(urge, follow=True)
    assert response.redirect_chain == [(page, 302)]
    assert [str(m) for m in response.context["messages"]] == [_("The owner has been reminded.")]
    latest = Notification.objects.filter(recipient=company.tech_head).latest("pk")
    assert latest.actor == company.tech_staff and "问卷设计" in latest.title
    response = client.post(urge, follow=True)
    assert ["催办" in str(m) for m in response.context["messages"]] == [True]
    assert Activity.objects.filter(verb="task_urge").count() == 1


def test_no_button_once_the_task_is_on_time(company, executing, survey, login):
    Task.objects.filter(pk=survey.pk).update(due_on=day(0))
    page = reverse("tasks_app:task", args=[executing.code, survey.pk])

    assert 'data-testid="urge"' not in login(company.tech_staff).get(page).content.decode()


def test_task_and_risk_owners_from_other_departments_see_the_case(company, executing, survey):
    from risks_app.models import Risk
    from tests.factories import DepartmentFactory, UserFactory

    finance = DepartmentFactory(code="FIN", name="财务部", parent=company.company)
    owner, helper, risk_owner, stranger = (UserFactory(department=finance) for _ in range(4))
    finance_head = UserFactory(department=finance)
    finance.head = finance_head
    finance.save()
    visible = Case.objects.visible_to
    assert not any(
        visible(person).filter(pk=executing.pk).exists()
        for person in (owner, helper, risk_owner, stranger, finance_head)
    )

    Task.objects.filter(pk=survey.pk).update(owner=owner)
    survey.collaborators.add(helper)
    interviews = Task.objects.get(request=executing, name="客户访谈")
    Task.objects.filter(pk=interviews.pk).update(lead_department=finance)
    Risk.objects.create(
        request=executing,
        number=1,
        description="d",
        category="other",
        impact="low",
        likelihood="low",
        measures="m",
        deadline=survey.due_on,
        owner=risk_owner,
        raised_by=company.tech_staff,
    )

    for person in (owner, helper, risk_owner, finance_head):  # finance leads 客户访谈
        assert visible(person).filter(pk=executing.pk).count() == 1
    assert not visible(stranger).filter(pk=executing.pk).exists()
