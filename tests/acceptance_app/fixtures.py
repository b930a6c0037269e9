"""Cases in stages 5–6, reached through the services: every leaf task done, a delivery list
assembled, submitted, accepted, and the retrospective written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from acceptance_app import services
from acceptance_app.services import ItemData, Verdict, WriteUp
from requests_app.models import Receiver
from tasks_app import services as task_services
from tasks_app.models import Task


def pdf_file(name="交付物.pdf", body=b"report"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + body + b"\n%%EOF", "application/pdf")


def finish_all_tasks(case):
    for task in Task.objects.filter(request=case, children__isnull=True).select_related("owner"):
        if task.status != Task.Status.DONE:
            task_services.task_complete(actor=task.owner, task=task)


def leaf(case, name) -> Task:
    return Task.objects.get(request=case, name=name)


@pytest.fixture
def delivered(company, executing):
    """Every task done; the coordinator (tech_staff) listed two items: the questionnaire (for
    task 问卷设计) with a PDF, and the feedback report (for the key task 方案反馈)."""
    finish_all_tasks(executing)
    services.delivery_item_add(
        actor=company.tech_staff,
        request=executing,
        data=ItemData(task=leaf(executing, "问卷设计"), name="调研问卷", version="v1.0"),
        files=[pdf_file("问卷.pdf")],
    )
    services.delivery_item_add(
        actor=company.tech_staff,
        request=executing,
        data=ItemData(task=leaf(executing, "方案反馈"), name="方案反馈报告", quantity=2),
    )
    return executing.deliveries.get(version=1)


@pytest.fixture
def submitted(company, delivered):
    services.delivery_submit(actor=company.tech_staff, delivery=delivered, summary="请验收")
    delivered.refresh_from_db()
    return delivered


@pytest.fixture
def external_submitted(company, submitted, external_contact):
    """The submitted delivery of a case whose work is for an external customer."""
    Receiver.objects.create(
        request=submitted.request,
        kind=Receiver.Kind.EXTERNAL,
        party=external_contact.party,
        contact=external_contact,
        position=5,
    )
    return submitted


def all_pass(delivery):
    return {item.pk: Verdict(passed=True) for item in delivery.items.all()}


def first_fails(delivery, comment="问卷题目不全"):
    items = list(delivery.items.all())
    verdicts = {item.pk: Verdict(passed=True) for item in items}
    verdicts[items[0].pk] = Verdict(passed=False, comment=comment)
    return verdicts


def rework_and_resubmit(company, case):
    """After a rejection of v1: v2 reworks 调研问卷 (version v1.1 and a new file), keeps
    方案反馈报告 as it was, adds 访谈纪要, and is submitted. Returns v2."""
    services.delivery_new_version(actor=company.tech_staff, request=case)
    finish_all_tasks(case)
    v2 = case.deliveries.get(version=2)
    reworked = v2.items.get(name="调研问卷")
    services.delivery_item_update(
        actor=company.tech_staff,
        item=reworked,
        data=ItemData(task=reworked.task, name="调研问卷", version="v1.1"),
        files=[pdf_file("问卷-修订.pdf", b"revised")],
    )
    services.delivery_item_add(
        actor=company.tech_staff,
        request=case,
        data=ItemData(task=leaf(case, "客户访谈"), name="访谈纪要"),
    )
    services.delivery_submit(actor=company.tech_staff, delivery=v2, changes="补全问卷题目")
    v2.refresh_from_db()
    return v2


@pytest.fixture
def in_retrospective(company, submitted):
    """Accepted by the initiator (sales_staff): the case waits for its retrospective."""
    services.acceptance_decide(
        actor=company.sales_staff, delivery=submitted, verdicts=all_pass(submitted)
    )
    case = submitted.request
    case.refresh_from_db()
    assert case.stage == "retrospective"
    return case.retrospective


WRITE_UP = WriteUp(
    went_well="按期交付", problems="访谈排期紧", lessons="提前预约客户", improvements="模板化问卷"
)


@pytest.fixture
def archived(company, in_retrospective):
    services.retrospective_save(
        actor=company.tech_staff, retrospective=in_retrospective, data=WRITE_UP
    )
    receiver = Receiver.objects.get(request=in_retrospective.request, department=company.tech)
    services.rating_save(
        actor=company.tech_head,
        retrospective=in_retrospective,
        receiver=receiver,
        score=4,
        comment="配合顺畅",
    )
    services.retrospective_file(actor=company.tech_staff, retrospective=in_retrospective)
    case = in_retrospective.request
    case.refresh_from_db()
    return case


def signoffs_of(delivery):
    from django.contrib.contenttypes.models import ContentType

    from collab_portal.signoffs.models import SignOff

    return SignOff.objects.filter(
        target_type=ContentType.objects.get_for_model(delivery), target_id=str(delivery.pk)
    )
