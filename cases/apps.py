from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """The case kernel: the case and its stage machine, who sees it, the archive guard and the
    links later stages add to the case page. Below the stage apps, above the platform; the
    stage apps tell it about themselves at start-up (``register_visibility``,
    ``register_case_prefetch``, ``register_case_link``)."""

    name = "cases"
    label = "cases"
    verbose_name = _("Case")  # 需求: the admin section of the case itself
