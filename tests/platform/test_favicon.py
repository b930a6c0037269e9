"""The portal's icon shows on every page a browser opens: the external one-time link pages and
the admin name it, and /favicon.ico (which browsers ask for on their own) answers with it."""

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

ICON = f'<link rel="icon" href="{static("img/favicon.svg")}"'


def test_favicon_ico_answers_with_the_portals_icon_without_signing_in(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == static("img/favicon.svg")
    assert finders.find("img/favicon.svg")


@pytest.mark.parametrize(
    "url",
    [reverse("external:plan", args=["nonsense"]), reverse("external:acceptance", args=["x"])],
)
def test_the_one_time_link_pages_name_the_icon(client, db, url):
    assert ICON in client.get(url).content.decode()


def test_the_anonymous_verify_page_names_the_icon(client, db):
    assert ICON in client.get(reverse("signoffs:verify")).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:index"),
        reverse("admin:org_user_changelist"),
        reverse("admin:org_user_add"),
        reverse("admin:org_department_import"),
        reverse("admin:password_change"),
    ],
)
def test_the_admin_pages_name_the_icon(company, login, url):
    response = login(company.admin).get(url)
    assert response.status_code == 200
    assert ICON in response.content.decode()


def test_the_admin_sign_in_page_names_the_icon(client, db):
    assert ICON in client.get(reverse("admin:login")).content.decode()
