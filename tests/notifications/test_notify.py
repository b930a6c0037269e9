"""notify(): stored for the bell at once, emailed only once the change commits."""

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from collab_portal.notifications.models import Notification
from collab_portal.notifications.services import notification_emails_deliver, notify
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def eager_celery(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from collab_portal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_it_stores_a_notification_and_emails_only_after_commit(
    company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(
            recipients=[company.sales_head],
            title="请审核：Q3 客户需求对接",
            url="/",
            actor=company.sales_staff,
        )
        stored = Notification.objects.get(recipient=company.sales_head)
        assert stored.email_state == Notification.EmailState.PENDING
        assert mail.outbox == []
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sales_head@example.com"]
    assert "请审核：Q3 客户需求对接" in mail.outbox[0].subject
    stored.refresh_from_db()
    assert stored.email_state == Notification.EmailState.SENT and stored.email_sent_at


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_stores_and_sends_nothing(company):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[company.sales_head], title="不会发出的通知")
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_it_emails_once_the_real_transaction_commits(company):
    with transaction.atomic():
        notify(recipients=[company.sales_head, company.tech_head], title="启动会通知")
        assert mail.outbox == []
    assert sorted(m.to[0] for m in mail.outbox) == [
        "sales_head@example.com",
        "tech_head@example.com",
    ]


def test_the_actor_inactive_people_and_duplicates_are_skipped(
    company, django_capture_on_commit_callbacks
):
    gone = UserFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(
            recipients=[company.sales_head, company.sales_head, company.sales_staff, gone, None],
            title="重复",
            actor=company.sales_staff,
        )
    assert [n.recipient for n in created] == [company.sales_head]
    assert len(mail.outbox) == 1


def test_people_without_an_address_get_the_bell_but_no_email(
    company, django_capture_on_commit_callbacks
):
    no_email = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = notify(recipients=[no_email], title="只在站内")
    assert notification.email_state == Notification.EmailState.NOT_NEEDED
    assert mail.outbox == []


def test_each_recipient_reads_it_in_their_own_language(company, django_capture_on_commit_callbacks):
    from django.utils.translation import gettext_lazy as _

    company.tech_head.language = "en"
    company.tech_head.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[company.sales_head, company.tech_head], title=_("Notifications"))
    titles = dict(Notification.objects.values_list("recipient__username", "title"))
    assert titles == {"sales_head": "通知", "tech_head": "Notifications"}
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["tech_head@example.com"].startswith("[Collab Portal]")
    assert subjects["sales_head@example.com"].startswith("【沟通协作门户】")


def test_a_failing_mail_server_is_retried_then_marked_failed(
    company, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.failing_backend.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = notify(recipients=[company.sales_head], title="发信失败")
    notification.refresh_from_db()
    assert (notification.email_state, notification.email_attempts) == ("pending", 1)
    assert "SMTP down" in notification.email_error
    for _ in range(4):
        notification_emails_deliver()
    notification.refresh_from_db()
    assert (notification.email_state, notification.email_attempts) == ("failed", 5)
    notification_emails_deliver()
    notification.refresh_from_db()
    assert notification.email_attempts == 5


def test_the_sweep_sends_what_a_broker_outage_left_pending_exactly_once(company):
    Notification.objects.create(
        recipient=company.sales_head, title="积压的通知", email_state="pending"
    )
    assert notification_emails_deliver() == 1
    assert notification_emails_deliver() == 0
    assert len(mail.outbox) == 1


def test_the_bell_counts_unread_and_the_page_marks_them_read(
    company, login, django_capture_on_commit_callbacks
):
    notify(recipients=[company.sales_head], title="第一条", url="/notifications/?from=bell")
    notify(recipients=[company.sales_head], title="第二条")
    client = login(company.sales_head)
    body = client.get(reverse("dashboard:home")).content.decode()
    assert 'data-testid="unread-count">2<' in body
    first = Notification.objects.get(title="第一条")
    response = client.post(reverse("notifications:open", args=[first.pk]))
    assert response["Location"] == "/notifications/?from=bell"
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(
        recipient=company.sales_head, read_at__isnull=True
    ).exists()
    assert "unread-count" not in client.get("/").content.decode()


def test_nobody_opens_someone_elses_notification(company, login):
    (theirs,) = notify(recipients=[company.tech_head], title="技术部的通知")
    client = login(company.sales_head)
    response = client.post(reverse("notifications:open", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "技术部的通知" not in client.get(reverse("notifications:list")).content.decode()


def test_an_offsite_link_is_not_followed(company, login):
    (notification,) = notify(
        recipients=[company.sales_head], title="钓鱼", url="https://evil.example.com/"
    )
    response = login(company.sales_head).post(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_state_changes_need_post(company, login):
    (notification,) = notify(recipients=[company.sales_head], title="只读")
    client = login(company.sales_head)
    assert client.get(reverse("notifications:open", args=[notification.pk])).status_code == 405
    assert client.get(reverse("notifications:read_all")).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


# --- a subject on one line, and failures that no retry mends (issue 17, finding 9) ------------


def test_a_title_stored_with_line_breaks_is_sent_with_a_one_line_subject(company):
    # As a row written before the forms refused line breaks would be.
    notification = Notification.objects.create(
        recipient=company.sales_head,
        title="请审核：客户需求对接\r\nBcc: x@evil.example\r\n\tX-Priority: 1",
        email_state="pending",
    )

    assert notification_emails_deliver() == 1

    [sent] = mail.outbox
    assert sent.subject == "【沟通协作门户】请审核：客户需求对接 Bcc: x@evil.example X-Priority: 1"
    headers = sent.message()
    assert headers["Bcc"] is None and headers["X-Priority"] is None
    assert sent.bcc == [] and sent.to == ["sales_head@example.com"]
    notification.refresh_from_db()
    assert notification.email_state == "sent" and notification.email_attempts == 1


def test_an_address_no_mail_can_go_to_fails_at_once_with_the_reason(company):
    # Written in the database directly: the forms and the importer validate addresses.
    User = type(company.sales_head)
    User.objects.filter(pk=company.sales_head.pk).update(
        email="sales_head@example.com\nBcc: x@evil.example"
    )
    notification = Notification.objects.create(
        recipient=company.sales_head, title="请审核", email_state="pending"
    )

    assert notification_emails_deliver() == 0

    notification.refresh_from_db()
    assert (notification.email_state, notification.email_attempts) == ("failed", 1)
    assert notification.email_error.startswith("无法生成邮件：")
    assert notification_emails_deliver() == 0  # not tried again
    notification.refresh_from_db()
    assert notification.email_attempts == 1
    assert mail.outbox == []


def test_a_recipient_the_mail_server_refuses_for_good_fails_at_once(company, settings):
    settings.EMAIL_BACKEND = "tests.notifications.failing_backend.RefusingBackend"
    notification = Notification.objects.create(
        recipient=company.sales_head, title="请审核", email_state="pending"
    )

    notification_emails_deliver()
    notification_emails_deliver()

    notification.refresh_from_db()
    assert (notification.email_state, notification.email_attempts) == ("failed", 1)
    assert notification.email_error == (
        "邮件服务器拒收此收件人：550 5.1.1 <sales_head@example.com>: Recipient address "
        "rejected: User unknown"
    )


def test_a_recipient_refused_for_now_is_tried_again(company, settings, monkeypatch):
    from tests.notifications.failing_backend import RefusingBackend

    settings.EMAIL_BACKEND = "tests.notifications.failing_backend.RefusingBackend"
    monkeypatch.setattr(RefusingBackend, "REPLY", (450, b"4.2.1 Mailbox busy, try later"))
    notification = Notification.objects.create(
        recipient=company.sales_head, title="请审核", email_state="pending"
    )

    notification_emails_deliver()

    notification.refresh_from_db()
    assert (notification.email_state, notification.email_attempts) == ("pending", 1)
    assert "Mailbox busy" in notification.email_error


def test_the_admin_sees_how_many_emails_failed_and_why(company, login):
    Notification.objects.create(
        recipient=company.sales_head,
        title="请审核",
        email_state="failed",
        email_attempts=1,
        email_error="邮件服务器拒收此收件人：550 5.1.1 User unknown",
    )
    Notification.objects.create(recipient=company.tech_head, title="已发出", email_state="sent")
    client = login(company.admin)
    changelist = reverse("admin:notifications_notification_changelist")

    page = client.get(changelist).content.decode()
    assert "1 封邮件未能发出" in page

    failed = client.get(changelist, {"email_state__exact": "failed"})
    assert [n.title for n in failed.context["cl"].result_list] == ["请审核"]
    assert "邮件服务器拒收此收件人：550 5.1.1 User unknown" in failed.content.decode()
