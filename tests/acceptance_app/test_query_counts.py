"""The acceptance list and a case's delivery pages fetch with a constant number of queries,
however many cases, versions and items there are."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from acceptance_app.models import Delivery, DeliveryItem, Retrospective
from cases.models import Case
from requests_app.models import Receiver
from tasks_app.models import Task


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(queries)


def _make_cases(company, count: int, *, stage: str, start: int) -> None:
    for number in range(start, start + count):
        case = Case.objects.create(
            code=f"CR-2026-{number:04d}",
            subject=f"归档案例 {number}",
            goal="目标",
            expected_deadline=timezone.localdate(),
            initiator=company.sales_staff,
            initiator_department=company.sales,
            initiator_role="project_liaison",
            coordinator=company.tech_staff,
            stage=stage,
        )
        Receiver.objects.create(request=case, kind="internal", department=company.tech)
        task = Task.objects.create(request=case, name="任务", owner=company.tech_staff)
        for version, state in ((1, "rejected"), (2, "accepted")):
            delivery = Delivery.objects.create(
                request=case, version=version, state=state, prepared_by=company.tech_staff
            )
            DeliveryItem.objects.create(
                delivery=delivery, task=task, name="交付物", added_by=company.tech_staff
            )
        Retrospective.objects.create(request=case, filed_at=timezone.now())


def test_the_acceptance_list_uses_a_constant_number_of_queries(company, login):
    client = login(company.sales_staff)
    url = reverse("acceptance_app:list")
    _make_cases(company, 2, stage="archived", start=100)
    few = (
        _count(client, url, {"tab": "archived"}),
        _count(client, url, {"tab": "archived", "q": "归档"}),
    )
    _make_cases(company, 20, stage="archived", start=200)
    many = (
        _count(client, url, {"tab": "archived"}),
        _count(client, url, {"tab": "archived", "q": "归档"}),
    )
    assert few == many


def test_the_delivery_page_uses_a_constant_number_of_queries(company, login, submitted):
    client = login(company.sales_staff)
    case = submitted.request
    urls = [
        reverse("acceptance_app:overview", args=[case.code]),
        reverse("acceptance_app:delivery", args=[case.code, 1]),
    ]
    few = [_count(client, url) for url in urls]
    task = Task.objects.filter(request=case).first()
    for number in range(30):
        DeliveryItem.objects.create(
            delivery=submitted, task=task, name=f"附加交付物 {number}", added_by=company.tech_staff
        )
    many = [_count(client, url) for url in urls]
    assert few == many
