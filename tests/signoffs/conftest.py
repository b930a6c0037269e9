"""A stand-in for a stage app's signable record: a Department taught ``signing_snapshot`` and
``signing_title`` for the length of a test (the platform works on any model by duck typing)."""

import pytest
from django.conf import settings

from collab_portal.org.models import Department


def department_snapshot(department: Department) -> dict:
    return {
        "code": department.code,
        "name": department.name,
        "kind": department.kind,
        "head": department.head.name if department.head_id else None,
    }


@pytest.fixture
def signable(monkeypatch):
    """Departments become signable records titled “《部门信息确认表》<code>”."""
    monkeypatch.setattr(Department, "signing_snapshot", department_snapshot, raising=False)
    monkeypatch.setattr(
        Department,
        "signing_title",
        lambda self: f"《部门信息确认表》{self.code}",
        raising=False,
    )


@pytest.fixture
def english(client):
    """The test client browses in English (the portal's language switch is a cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
