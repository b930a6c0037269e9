"""The admin only reads stage 5–6 records: signed deliveries and filed retrospectives cannot be
changed or deleted there, least of all those of an archived case."""

from django.urls import reverse

from acceptance_app.models import Delivery, Retrospective


def test_an_archived_cases_delivery_cannot_be_changed_or_deleted_in_the_admin(
    company, login, archived
):
    client = login(company.admin)
    delivery = Delivery.objects.get(request=archived)
    change = reverse("admin:acceptance_app_delivery_change", args=[delivery.pk])
    page = client.get(change)
    assert page.status_code == 200 and "调研问卷" in page.content.decode()
    assert client.post(change, {"summary": "改掉"}).status_code == 403
    delete = reverse("admin:acceptance_app_delivery_delete", args=[delivery.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.post(
        reverse("admin:acceptance_app_delivery_changelist"),
        {"action": "delete_selected", "_selected_action": [delivery.pk], "post": "yes"},
    )
    delivery.refresh_from_db()
    assert delivery.summary == "请验收" and Delivery.objects.filter(pk=delivery.pk).exists()


def test_a_filed_retrospective_cannot_be_changed_in_the_admin(company, login, archived):
    client = login(company.admin)
    retrospective = Retrospective.objects.get(request=archived)
    change = reverse("admin:acceptance_app_retrospective_change", args=[retrospective.pk])
    assert client.post(change, {"went_well": "改掉"}).status_code == 403
    retrospective.refresh_from_db()
    assert retrospective.went_well == "按期交付"


def test_the_admin_searches_archived_deliveries(company, login, archived):
    page = login(company.admin).get(
        reverse("admin:acceptance_app_delivery_changelist"), {"q": archived.code}
    )
    assert archived.code in page.content.decode()
