import datetime

import factory
from django.utils import timezone

from collab_portal.org.models import Delegation, Department, ExternalContact, ExternalParty, User

TEST_PASSWORD = "Collab-Test-Pass-2026"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"部门{n}")
    kind = Department.Kind.DEPARTMENT
    parent = factory.LazyFunction(
        lambda: Department.objects.get_or_create(
            code="TESTCO", defaults={"name": "测试公司", "kind": Department.Kind.COMPANY}
        )[0]
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"员工{n}")
    employee_no = factory.Sequence(lambda n: f"T{n:05d}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    department = factory.SubFactory(DepartmentFactory)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    principal = factory.SubFactory(UserFactory)
    delegate = factory.SubFactory(UserFactory)
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyAttribute(lambda d: d.starts_on + datetime.timedelta(days=7))
    reason = "出差"


class ExternalPartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalParty

    name = factory.Sequence(lambda n: f"外部客户{n}")
    kind = ExternalParty.Kind.CUSTOMER


class ExternalContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalContact

    party = factory.SubFactory(ExternalPartyFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
