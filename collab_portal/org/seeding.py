"""The demo company that ``manage.py seed_demo`` creates: believable, and the same every run."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from collab_portal.org.models import Delegation, Department, ExternalContact, ExternalParty, User

DEMO_PASSWORD = "demo12345"

# (code, name, kind, parent code)
DEPARTMENTS = [
    ("HQ", "华信智联科技有限公司", Department.Kind.COMPANY, None),
    ("GMO", "总经办", Department.Kind.DEPARTMENT, "HQ"),
    ("BIZ", "营销事业部", Department.Kind.DIVISION, "HQ"),
    ("RND", "研发中心", Department.Kind.DIVISION, "HQ"),
    ("OPS", "运营管理中心", Department.Kind.DIVISION, "HQ"),
    ("MKT", "市场部", Department.Kind.DEPARTMENT, "BIZ"),
    ("CS", "客户服务部", Department.Kind.DEPARTMENT, "BIZ"),
    ("PRD", "产品部", Department.Kind.DEPARTMENT, "RND"),
    ("TECH", "技术部", Department.Kind.DEPARTMENT, "RND"),
    ("QA", "测试部", Department.Kind.DEPARTMENT, "RND"),
    ("PUR", "采购部", Department.Kind.DEPARTMENT, "OPS"),
    ("FIN", "财务部", Department.Kind.DEPARTMENT, "OPS"),
    ("HR", "人力资源部", Department.Kind.DEPARTMENT, "OPS"),
]

# (username, name, employee no, department code, position)
PEOPLE = [
    ("zhaoguoqiang", "赵国强", "E0001", "GMO", "总经理"),
    ("qianhui", "钱慧", "E0002", "GMO", "副总经理（分管营销）"),
    ("sunwei", "孙伟", "E0003", "GMO", "副总经理（分管研发）"),
    ("liyan", "李艳", "E0004", "GMO", "副总经理（分管运营）"),
    ("zhoujie", "周杰", "E0005", "GMO", "总经理助理"),
    ("wufang", "吴芳", "E0101", "MKT", "市场部经理"),
    ("zhengkai", "郑凯", "E0102", "MKT", "市场专员"),
    ("wangting", "王婷", "E0103", "MKT", "品牌策划"),
    ("fenglei", "冯磊", "E0104", "MKT", "客户经理"),
    ("chenjing", "陈静", "E0201", "CS", "客户服务部经理"),
    ("chuyang", "褚洋", "E0202", "CS", "客服主管"),
    ("weilin", "卫琳", "E0203", "CS", "客户成功经理"),
    ("jiangtao", "蒋涛", "E0301", "PRD", "产品总监"),
    ("shenli", "沈丽", "E0302", "PRD", "高级产品经理"),
    ("hanxue", "韩雪", "E0303", "PRD", "产品经理"),
    ("yangfan", "杨帆", "E0304", "PRD", "交互设计师"),
    ("zhuming", "朱明", "E0401", "TECH", "技术部经理"),
    ("qinhao", "秦浩", "E0402", "TECH", "架构师"),
    ("youjia", "尤佳", "E0403", "TECH", "后端工程师"),
    ("xuliang", "许亮", "E0404", "TECH", "前端工程师"),
    ("hejun", "何俊", "E0405", "TECH", "后端工程师"),
    ("lvqian", "吕倩", "E0501", "QA", "测试部经理"),
    ("shiyu", "施雨", "E0502", "QA", "测试工程师"),
    ("zhangmin", "张敏", "E0503", "QA", "自动化测试工程师"),
    ("kongbin", "孔斌", "E0601", "PUR", "采购部经理"),
    ("caoyue", "曹悦", "E0602", "PUR", "采购专员"),
    ("yanhong", "严红", "E0701", "FIN", "财务部经理"),
    ("huajian", "华健", "E0702", "FIN", "会计"),
    ("jinmei", "金梅", "E0801", "HR", "人力资源部经理"),
    ("weidong", "魏东", "E0802", "HR", "招聘专员"),
    ("taoran", "陶然", "E0105", "MKT", "市场专员"),
    ("jiangning", "姜宁", "E0406", "TECH", "运维工程师"),
]

# department code → (head username, leader in charge username)
LEADERSHIP = {
    "HQ": ("zhaoguoqiang", None),
    "GMO": ("zhaoguoqiang", None),
    "BIZ": (None, "qianhui"),
    "RND": (None, "sunwei"),
    "OPS": (None, "liyan"),
    "MKT": ("wufang", None),
    "CS": ("chenjing", None),
    "PRD": ("jiangtao", None),
    "TECH": ("zhuming", None),
    "QA": ("lvqian", None),
    "PUR": ("kongbin", None),
    "FIN": ("yanhong", None),
    "HR": ("jinmei", None),
}
# The GMO's own leader in charge is the general manager.
GMO_LEADER = "zhaoguoqiang"

# (party name, kind, internal owner, [(contact name, title, phone, email)])
EXTERNAL_PARTIES = [
    (
        "远航物流集团",
        ExternalParty.Kind.CUSTOMER,
        "fenglei",
        [("高建华", "信息化部总监", "13800000001", "gaojianhua@example.com")],
    ),
    (
        "瑞丰零售连锁",
        ExternalParty.Kind.CUSTOMER,
        "weilin",
        [("林晓梅", "运营副总裁", "13800000002", "linxiaomei@example.com")],
    ),
    (
        "博达电子元件有限公司",
        ExternalParty.Kind.SUPPLIER,
        "caoyue",
        [("马骏", "销售经理", "13800000003", "majun@example.com")],
    ),
]


@transaction.atomic
def seed_organisation() -> dict[str, User]:
    """Create or refresh the demo company; returns people by username."""
    departments: dict[str, Department] = {}
    for order, (code, name, kind, parent_code) in enumerate(DEPARTMENTS):
        department, _ = Department.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "parent": departments.get(parent_code),
                "sort_order": order,
            },
        )
        departments[code] = department

    people: dict[str, User] = {}
    for username, name, employee_no, department_code, position in PEOPLE:
        user, created = User.objects.update_or_create(
            username=username,
            defaults={
                "display_name": name,
                "employee_no": employee_no,
                "department": departments[department_code],
                "position": position,
                "email": f"{username}@example.com",
                "phone": f"139{employee_no[1:]:0>8}",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        people[username] = user

    admin, created = User.objects.update_or_create(
        username="admin",
        defaults={
            "display_name": "系统管理员",
            "employee_no": "A0001",
            "department": departments["GMO"],
            "position": "IT 管理员",
            "email": "admin@example.com",
            "is_staff": True,
            "is_superuser": True,
        },
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    people["admin"] = admin

    for code, (head, leader) in LEADERSHIP.items():
        department = departments[code]
        department.head = people.get(head) if head else None
        department.leader_in_charge = people.get(leader) if leader else None
        if code == "GMO":
            department.leader_in_charge = people[GMO_LEADER]
        department.save(update_fields=["head", "leader_in_charge"])

    # 技术部经理朱明 is on a business trip this fortnight: his architect decides for him.
    today = timezone.localdate()
    Delegation.objects.update_or_create(
        principal=people["zhuming"],
        reason="出差（深圳客户现场）",
        defaults={
            "delegate": people["qinhao"],
            "starts_on": today - datetime.timedelta(days=2),
            "ends_on": today + datetime.timedelta(days=12),
            "is_active": True,
        },
    )

    for name, kind, owner, contacts in EXTERNAL_PARTIES:
        party, _ = ExternalParty.objects.update_or_create(
            name=name, defaults={"kind": kind, "internal_owner": people[owner]}
        )
        for index, (contact_name, title, phone, email) in enumerate(contacts):
            ExternalContact.objects.update_or_create(
                party=party,
                name=contact_name,
                defaults={"title": title, "phone": phone, "email": email, "is_primary": index == 0},
            )
    return people


DEMO_LOGINS = [
    ("admin", "系统管理员"),
    ("wufang", "市场部经理（部门负责人）"),
    ("zhengkai", "市场专员（员工，发起人）"),
    ("zhuming", "技术部经理（出差中，由秦浩代理）"),
    ("qinhao", "架构师（代理技术部经理）"),
    ("sunwei", "副总经理（研发中心分管领导）"),
    ("fenglei", "客户经理（负责客户远航物流）"),
]
