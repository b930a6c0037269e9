"""Many believable cases for the benchmarks, spread over departments and stages."""

import datetime
import itertools

from django.utils import timezone

from collab_portal.lib.refusals import ActionRefused
from collab_portal.org.models import Department, User
from requests_app import policies, services

ALL_CHECKS = {"goal_quantifiable": True, "receiver_clear": True, "deadline_reasonable": True}


def seed_cases(*, count: int) -> None:
    departments = list(
        Department.objects.filter(kind=Department.Kind.DEPARTMENT, head__isnull=False)
    )
    staff = list(User.objects.filter(department__in=departments, is_superuser=False))
    pairs = itertools.cycle(
        (person, receiver)
        for person in staff
        for receiver in departments
        if receiver != person.department
    )
    for index in range(count):
        person, receiver = next(pairs)
        case = services.request_create(
            initiator=person,
            data=services.RegistrationData(
                subject=f"压测需求 {index:05d}",
                goal="验证门户在大量数据下的响应时间",
                expected_deadline=timezone.localdate() + datetime.timedelta(days=60),
                initiator_role="project_liaison",
                internal_departments=[receiver],
                external_contacts=[],
            ),
        )
        if index % 3 == 0:
            continue
        try:
            services.request_submit(actor=person, request=case)
        except ActionRefused:  # the general manager has nobody above them
            continue
        if index % 3 == 1:
            continue
        case.refresh_from_db()
        services.request_approve(actor=policies.review_handler(case), request=case, **ALL_CHECKS)
