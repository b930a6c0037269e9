import datetime

import pytest
from django.utils import timezone

from risks_app.services import RiskData
from tasks_app.models import Task


def risk_data(company, **overrides):
    values = {
        "description": "客户接口文档延迟提供",
        "category": "external_delay",
        "impact": "medium",
        "likelihood": "medium",
        "measures": "与客户方协商延长需求提交时间",
        "deadline": timezone.localdate() + datetime.timedelta(days=7),
        "owner": company.tech_staff,
    }
    values.update(overrides)
    return RiskData(**values)


@pytest.fixture
def key_task(executing):
    return Task.objects.get(request=executing, name="方案反馈")


@pytest.fixture
def plain_task(executing):
    return Task.objects.get(request=executing, name="客户访谈")
