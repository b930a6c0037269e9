"""Importing departments and people from CSV and Excel: all or nothing, errors name the row."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from collab_portal.org.importing import ImportRefused, org_import, read_tables
from collab_portal.org.models import Department, User

DEPARTMENTS_CSV = """部门编码,部门名称,类型,上级部门编码,负责人工号,分管领导工号
ACME,蓝海科技,公司,,,
RD,研发中心,事业部,ACME,,P001
DEV,开发部,部门,RD,P002,
QA,测试部,部门,RD,,
""".encode()

PEOPLE_CSV = """工号,姓名,登录名,邮箱,手机,部门编码,职位
P001,周总,zhou,zhou@example.com,13900000001,ACME,副总经理
P002,吴经理,wu,wu@example.com,13900000002,DEV,开发部经理
P003,郑工,zheng,,13900000003,DEV,工程师
""".encode()


DEPARTMENTS_ONLY_CSV = """部门编码,部门名称,类型,上级部门编码
ACME,蓝海科技,公司,
RD,研发中心,事业部,ACME
DEV,开发部,部门,RD
QA,测试部,部门,RD
""".encode()


def _import(*files, password=None):
    tables = [table for name, content in files for table in read_tables(name=name, content=content)]
    return org_import(tables=tables, initial_password=password)


def test_it_imports_a_tree_with_heads_and_leaders_from_csv(db):
    report = _import(
        ("departments.csv", DEPARTMENTS_CSV), ("people.csv", PEOPLE_CSV), password="Start-2026!"
    )
    assert (report.departments_created, report.users_created) == (4, 3)
    dev = Department.objects.get(code="DEV")
    assert dev.parent.code == "RD" and dev.parent.parent.code == "ACME"
    assert dev.head.display_name == "吴经理"
    assert Department.objects.get(code="RD").leader_in_charge.username == "zhou"
    zheng = User.objects.get(employee_no="P003")
    assert (zheng.department, zheng.position) == (dev, "工程师")
    assert zheng.check_password("Start-2026!")


def test_reimporting_updates_instead_of_duplicating(db):
    _import(("departments.csv", DEPARTMENTS_CSV), ("people.csv", PEOPLE_CSV))
    renamed = PEOPLE_CSV.replace("郑工".encode(), "郑工程师".encode())
    report = _import(("departments.csv", DEPARTMENTS_CSV), ("people.csv", renamed))
    assert (report.departments_created, report.departments_updated) == (0, 4)
    assert (report.users_created, report.users_updated) == (0, 3)
    assert User.objects.get(employee_no="P003").display_name == "郑工程师"
    assert Department.objects.count() == 4


def test_people_imported_without_a_password_cannot_sign_in_yet(db):
    _import(("departments.csv", DEPARTMENTS_CSV), ("people.csv", PEOPLE_CSV))
    assert not User.objects.get(employee_no="P001").has_usable_password()


def test_a_bad_row_is_named_and_nothing_is_written(db):
    broken = (
        PEOPLE_CSV
        + "P004,冯工,feng,not-an-email,139,DEV,工程师\nP005,陈工,chen,,,NOPE,工程师\n".encode()
    )
    with pytest.raises(ImportRefused) as refused:
        _import(("departments.csv", DEPARTMENTS_CSV), ("people.csv", broken))
    assert refused.value.errors == [
        "people.csv 第 5 行：邮箱 not-an-email 无效。",
        "people.csv 第 6 行：部门编码 NOPE 不存在。",
    ]
    assert Department.objects.count() == 0
    assert User.objects.count() == 0


def test_an_unknown_parent_and_an_unknown_head_are_named(db):
    bad = DEPARTMENTS_CSV + "OPS,运营部,部门,NOWHERE,P999,\n".encode()
    with pytest.raises(ImportRefused) as refused:
        _import(("departments.csv", bad))
    assert "departments.csv 第 6 行：上级部门编码 NOWHERE 不存在。" in refused.value.errors
    assert Department.objects.count() == 0


def test_a_file_that_lies_about_its_type_is_refused(db):
    with pytest.raises(ImportRefused, match="不是 Excel 工作簿"):
        read_tables(name="people.xlsx", content=PEOPLE_CSV)
    with pytest.raises(ImportRefused, match="只能导入"):
        read_tables(name="people.exe", content=b"MZ\x90\x00")
    with pytest.raises(ImportRefused, match="无法识别表头"):
        _import(("other.csv", "名字,年龄\n张三,30\n".encode()))


def test_it_reads_a_workbook_with_a_sheet_of_each_and_gbk_csv(db):
    workbook = Workbook()
    departments = workbook.active
    departments.title = "部门"
    for line in DEPARTMENTS_CSV.decode().splitlines():
        departments.append(line.split(","))
    people = workbook.create_sheet("人员")
    for line in PEOPLE_CSV.decode().splitlines():
        people.append(line.split(","))
    people.append(
        [1004, "陈工", "chen", "", "", "QA", "测试工程师"]
    )  # a number, as Excel stores it
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = _import(("org.xlsx", buffer.getvalue()))
    assert (report.departments_created, report.users_created) == (4, 4)
    assert User.objects.get(employee_no="1004").department.code == "QA"
    gbk = "工号,姓名,部门编码\nP009,何工,QA\n".encode("gb18030")
    _import(("gbk.csv", gbk))
    assert User.objects.get(employee_no="P009").display_name == "何工"


def test_the_management_command_imports_and_reports_errors(db, tmp_path, capsys):
    (tmp_path / "d.csv").write_bytes(DEPARTMENTS_CSV)
    (tmp_path / "p.csv").write_bytes(PEOPLE_CSV)
    call_command("import_org", str(tmp_path / "d.csv"), str(tmp_path / "p.csv"))
    assert "部门：新建 4" in capsys.readouterr().out
    (tmp_path / "bad.csv").write_bytes("工号,姓名\n,无工号\n".encode())
    with pytest.raises(CommandError, match="第 2 行"):
        call_command("import_org", str(tmp_path / "bad.csv"))


def test_an_admin_imports_through_the_admin_and_staff_cannot(company, login):
    url = reverse("admin:org_department_import")
    client = login(company.admin)
    upload = io.BytesIO(DEPARTMENTS_ONLY_CSV)
    upload.name = "departments.csv"
    response = client.post(url, {"file": upload}, follow=True)
    assert Department.objects.filter(code__in=["ACME", "RD", "DEV", "QA"]).count() == 4
    assert "部门：新建 4" in response.content.decode()

    bad = io.BytesIO("部门编码,部门名称,类型\nX,坏类型,工厂\n".encode())
    bad.name = "bad.csv"
    response = client.post(url, {"file": bad})
    assert "bad.csv 第 2 行：类型必须是 公司、事业部 或 部门。" in response.content.decode()
    assert not Department.objects.filter(code="X").exists()

    staff_client = login(company.sales_staff)
    again = io.BytesIO(DEPARTMENTS_ONLY_CSV.replace(b"QA,", b"QB,"))
    again.name = "d.csv"
    response = staff_client.post(url, {"file": again})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Department.objects.filter(code="QB").exists()


def test_an_initial_password_that_breaks_the_rule_is_refused_and_nothing_is_imported(
    company, login
):
    upload = io.BytesIO(PEOPLE_CSV)
    upload.name = "people.csv"
    page = login(company.admin).post(
        reverse("admin:org_department_import"), {"file": upload, "initial_password": "abc12345"}
    )
    assert "密码长度太短。密码必须包含至少 10 个字符。" in page.content.decode()
    assert not User.objects.filter(employee_no__in=["P001", "P002", "P003"]).exists()
