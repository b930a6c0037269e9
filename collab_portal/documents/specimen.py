"""Sample data for templates/documents/specimen.html: the PDF tests and `pdf_benchmark`."""

import datetime
import hashlib

from django.utils import timezone

ROW_COUNT = 40


def specimen_context(*, is_draft: bool = False) -> dict:
    """A one-form context shaped like the real ones: fields, a 40-row table, two signatures."""
    signed_at = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 30))
    rows = [
        {
            "code": f"1.{number}",
            "name": f"第{number}项任务：整理客户需求并确认交付标准",
            "owner": "张三" if number % 2 else "李四",
            "due": datetime.date(2026, 3, 1) + datetime.timedelta(days=number),
            "deliverable": "需求规格说明书（经双方部门负责人签字确认）",
            "progress": (number * 7) % 101,
        }
        for number in range(1, ROW_COUNT + 1)
    ]
    return {
        "company_name": "测试科技有限公司",
        "title": "沟通需求登记表",
        "form_number": "CR-2026-0001",
        "is_draft": is_draft,
        "fields": [
            ("需求主题", "华东区域客户年度框架协议续签"),
            ("发起部门", "销售部"),
            ("接收方", "技术部、财务部、上海某某供应链有限公司"),
            ("期望完成日期", "2026-04-30"),
            ("协作目标", "4月底前完成新版报价及技术方案，客户满意度不低于90%"),
        ],
        "columns": ["WBS", "任务名称", "责任人", "截止日期", "交付标准", "进度"],
        "rows": rows,
        "approval_steps": [
            {"time": signed_at, "actor": "王五", "action": "提交", "comment": ""},
            {
                "time": signed_at,
                "actor": "李四",
                "action": "审核通过",
                "comment": "同意，按期推进。",
            },
        ],
        "signatures": [
            {
                "meaning": "审核通过",
                "name": "李四",
                "on_behalf_of": "",
                "role": "销售部负责人",
                "signed_at": signed_at,
                "sha256": hashlib.sha256(b"specimen-1").hexdigest(),
            },
            {
                "meaning": "确认",
                "name": "王五",
                "on_behalf_of": "赵六",
                "role": "技术部负责人",
                "signed_at": signed_at,
                "sha256": hashlib.sha256(b"specimen-2").hexdigest(),
            },
        ],
    }
