"""Issue 18, point 3: the WBS workbook names people and departments (王五（E1003）), its sheets
人员 and 部门 list everyone active, and the import reads a person by name as well as by employee
number. A name must never stand in for somebody else's number: a person who calls themselves
“王五（T00004）”, or takes another's employee number as their display name, does not receive
王五's tasks when the exported file comes back. Names that are formulas are written as text in
the reference sheets too."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tasks_app import services, wbs_io
from tasks_app.models import Task
from tests.factories import DepartmentFactory, UserFactory
from tests.fixtures import wbs_cases
from tests.fixtures.wbs_cases import build_wbs
from tests.security.formula_payloads import FORMULA_PAYLOADS
from tests.security.test_formula_injection_attacks import assert_written_as_typed

breakdown = wbs_cases.breakdown


def _owners(case) -> dict[str, int]:
    return dict(Task.objects.filter(request=case).values_list("name", "owner_id"))


@pytest.mark.parametrize("impostor_name", ["label", "number"])
def test_a_name_imitating_a_label_or_a_number_takes_nobodys_tasks(
    impostor_name,
    company,
    breakdown,
):
    build_wbs(company, breakdown)
    before = _owners(breakdown)
    exported = wbs_io.wbs_export_xlsx(request=breakdown)
    real = company.tech_staff  # owns most tasks: 王五（T…）
    label = f"{real.name}（{real.employee_no}）"
    UserFactory(
        username="impostor",
        display_name=label if impostor_name == "label" else real.employee_no,
        department=company.sales,
    )

    services.wbs_import_xlsx(actor=company.tech_staff, request=breakdown, content=exported)

    assert _owners(breakdown) == before
    assert not Task.objects.filter(request=breakdown, owner__username="impostor").exists()


def test_a_department_named_like_anothers_label_takes_nothing(company, breakdown):
    build_wbs(company, breakdown)
    exported = wbs_io.wbs_export_xlsx(request=breakdown)
    DepartmentFactory(code="FAKE", name="技术部（TECH）", parent=company.sales)

    services.wbs_import_xlsx(actor=company.tech_staff, request=breakdown, content=exported)

    assert set(
        Task.objects.filter(request=breakdown).values_list("lead_department__code", flat=True)
    ) == {"TECH"}


def test_people_and_departments_named_as_formulas_stay_text(company, breakdown):
    names = [payload[:50] for payload in FORMULA_PAYLOADS]  # a display name holds 50
    for number, (name, payload) in enumerate(zip(names, FORMULA_PAYLOADS, strict=True)):
        UserFactory(username=f"formula{number}", display_name=name, department=company.tech)
        DepartmentFactory(code=f"F{number:02d}", name=payload, parent=company.division)

    exported = wbs_io.wbs_export_xlsx(request=breakdown)

    assert_written_as_typed(exported, [*FORMULA_PAYLOADS, *names])
    book = load_workbook(io.BytesIO(exported))
    people = {row[0] for row in book["人员"].iter_rows(min_row=2, values_only=True)}
    departments = {row[0] for row in book["部门"].iter_rows(min_row=2, values_only=True)}
    assert {"=1+1", "=cmd|' /C calc'!A0"} <= people & departments
