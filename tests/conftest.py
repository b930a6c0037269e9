"""Shared fixtures: a small company with the roles every test needs, and markers for the real
services (PostgreSQL, Redis, Chromium) that skip with a reason when they are not configured."""

import os
import shutil
from dataclasses import dataclass

import pytest
from django.conf import settings

from collab_portal.org.models import Department, User
from tests.factories import DepartmentFactory, UserFactory

# Cases at each stage of stages 1–2, shared by the later stages' tests.
pytest_plugins = [
    "tests.requests_app.fixtures",
    "tests.tasks_app.fixtures",
    "tests.acceptance_app.fixtures",
    "tests.reminders.fixtures",
]


def pytest_collection_modifyitems(config, items):
    engine = settings.DATABASES["default"]["ENGINE"]
    reasons = {
        "postgres": None
        if engine == "django.db.backends.postgresql"
        else "needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)",
        "redis": None if settings.REDIS_URL else "needs Redis: set REDIS_URL=redis://… (CI does)",
        "browser": None
        if shutil.which("chromium") or os.path.exists("/usr/bin/chromium")
        else "needs Debian's chromium (make test installs it)",
    }
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class Company:
    """Two departments under one division, each with a head and staff; a leader in charge of
    the division; an administrator."""

    company: Department
    division: Department
    sales: Department
    tech: Department
    leader: User
    sales_head: User
    sales_staff: User
    tech_head: User
    tech_staff: User
    admin: User


@pytest.fixture
def company(db) -> Company:
    root = DepartmentFactory(
        code="TESTCO", name="测试公司", kind=Department.Kind.COMPANY, parent=None
    )
    division = DepartmentFactory(
        code="DIV", name="业务中心", kind=Department.Kind.DIVISION, parent=root
    )
    sales = DepartmentFactory(code="SALES", name="销售部", parent=division)
    tech = DepartmentFactory(code="TECH", name="技术部", parent=division)
    leader = UserFactory(username="leader", display_name="钱总", department=root)
    sales_head = UserFactory(username="sales_head", display_name="李四", department=sales)
    sales_staff = UserFactory(username="sales_staff", display_name="张三", department=sales)
    tech_head = UserFactory(username="tech_head", display_name="赵六", department=tech)
    tech_staff = UserFactory(username="tech_staff", display_name="王五", department=tech)
    admin = UserFactory(
        username="admin", display_name="管理员", department=root, is_staff=True, is_superuser=True
    )
    division.leader_in_charge = leader
    division.save()
    sales.head, tech.head = sales_head, tech_head
    sales.save()
    tech.save()
    return Company(
        root, division, sales, tech, leader, sales_head, sales_staff, tech_head, tech_staff, admin
    )


@pytest.fixture
def sales_deputy(company) -> User:
    """A second person of the sales department: on the initiator's side of the sales staff's
    cases, so they may stand in for its head there."""
    return UserFactory(username="sales_deputy", display_name="周九", department=company.sales)


@pytest.fixture
def finance_head(company) -> User:
    """The head of a third department, on no side of the sales staff's cases."""
    finance = DepartmentFactory(code="FIN", name="财务部", parent=company.division)
    finance.head = UserFactory(username="finance_head", display_name="孙七", department=finance)
    finance.save()
    return finance.head


@pytest.fixture
def login(client):
    """Sign ``user`` in on the test client and return the client."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing is not what these tests check; the demo's 33 passwords cost seconds otherwise."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the portal's default language, whatever an earlier test activated."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    """Every test stores its uploads (and archive bundles) in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty in-memory cache (the KPIs are kept there for minutes)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
