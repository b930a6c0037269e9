"""The WBS template the portal ships: the process manual's own example (二(三) 任务拆解).

Migration 0002 puts it in the database and the demo puts it back when it is gone (a database
flushed by tests, or an administrator who deleted it). The description is the one migration 0002
wrote; migration 0004 changed its note on calendar days to working days in existing databases."""

from __future__ import annotations

MANUAL_TEMPLATE_NAME = "客户需求对接（手册示例）"
MANUAL_TEMPLATE_DESCRIPTION = (
    "流程手册“任务拆解”一节的示例：客户需求对接拆解为需求调研问卷设计→客户访谈→需求整理→"
    "需求评审→方案反馈 5 个一级任务，客户访谈再拆解为 4 个二级任务。日期为自然日偏移，"
    "套用时按所选开始日期平移。"
)

# (name, start offset in days, duration in days, deliverable standard, key task, children)
MANUAL_TREE = [
    (
        "客户需求对接",
        0,
        19,
        "形成经客户确认的需求清单及处理方案，覆盖全部重点客户。",
        True,
        [
            (
                "需求调研问卷设计",
                0,
                3,
                "问卷覆盖全部功能模块的使用场景与修改建议，经部门负责人审核定稿。",
                False,
                [],
            ),
            (
                "客户访谈",
                3,
                8,
                "完成全部重点客户访谈并形成访谈纪要。",
                True,
                [
                    (
                        "访谈提纲制定",
                        3,
                        1,
                        "访谈提纲列明访谈目标、问题清单、时长安排，经协调人确认。",
                        False,
                        [],
                    ),
                    (
                        "访谈对象预约",
                        4,
                        2,
                        "预约清单列明每家客户的访谈对象、职务、时间及方式，并取得对方确认。",
                        False,
                        [],
                    ),
                    (
                        "访谈执行",
                        6,
                        4,
                        "按预约完成全部访谈，每场访谈保留签到记录及录音或笔记。",
                        False,
                        [],
                    ),
                    (
                        "访谈纪要整理",
                        10,
                        1,
                        "访谈纪要需包含客户核心诉求、优先级及建议",
                        False,
                        [],
                    ),
                ],
            ),
            (
                "需求整理",
                11,
                3,
                "需求清单逐条注明来源客户、涉及模块、优先级，合并重复需求。",
                False,
                [],
            ),
            (
                "需求评审",
                14,
                2,
                "相关部门负责人参加评审，输出评审意见及确认的需求范围。",
                True,
                [],
            ),
            (
                "方案反馈",
                16,
                3,
                "向客户书面反馈需求处理方案及排期，并取得客户确认回执。",
                True,
                [],
            ),
        ],
    )
]


def add_manual_template(template_model, item_model) -> None:
    """Create the manual's template unless one of its name exists. ``template_model`` and
    ``item_model`` are ``WbsTemplate`` and ``WbsTemplateItem``, or a migration's versions."""
    if template_model.objects.filter(name=MANUAL_TEMPLATE_NAME).exists():
        return
    template = template_model.objects.create(
        name=MANUAL_TEMPLATE_NAME, description=MANUAL_TEMPLATE_DESCRIPTION
    )

    def add(nodes, parent):
        for position, (name, offset, duration, standard, is_key, children) in enumerate(nodes):
            item = item_model.objects.create(
                template=template,
                parent=parent,
                position=position,
                name=name,
                start_offset_days=offset,
                duration_days=duration,
                deliverable_standard=standard,
                is_key=is_key,
            )
            add(children, item)

    add(MANUAL_TREE, None)
