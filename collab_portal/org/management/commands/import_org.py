from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from collab_portal.org.importing import ImportRefused, org_import, read_tables


class Command(BaseCommand):
    help = (
        "Import departments and people from .xlsx or .csv files (all or nothing). "
        "Departments: 部门编码, 部门名称, 类型, 上级部门编码, 负责人工号, 分管领导工号. "
        "People: 工号, 姓名, 登录名, 邮箱, 手机, 部门编码, 职位."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--password",
            help="Initial password for new people (otherwise they cannot sign in until an "
            "admin sets one).",
        )

    def handle(self, *args, files, password, **options):
        tables = []
        try:
            for path in files:
                if not path.is_file():
                    raise CommandError(_("%(path)s does not exist.") % {"path": path})
                tables += read_tables(name=path.name, content=path.read_bytes())
            report = org_import(tables=tables, initial_password=password)
        except ImportRefused as refused:
            raise CommandError("\n".join(refused.errors)) from refused
        self.stdout.write(self.style.SUCCESS(report.summary()))
