"""Demo cases for stages 5–6, so the acceptance and retrospective pages have history: one case
waiting for its initiator's acceptance, one sent back once and accepted on its second delivery
(its retrospective half written), and two archived with filed retrospectives, one of them
accepted by the customer through a one-time link.

Each case is built through the services, from registration to its last step, and found again
by its subject: re-running seed_demo changes nothing. The services run now; ``_Timeline`` then
moves what they wrote to the days the story happened (the way the earlier demo modules
back-date, with queryset updates), and the filed metrics are computed again from the
back-dated records."""

from django.db import transaction

from acceptance_app.demo_data.inspection import INSPECTION, _seed_inspection
from acceptance_app.demo_data.launch import LAUNCH, _seed_launch
from acceptance_app.demo_data.suppliers import SUPPLIERS, _seed_suppliers
from acceptance_app.demo_data.training import TRAINING, _seed_training
from cases.models import Case
from collab_portal.lib.demo_registry import register_demo_seeder


@transaction.atomic
def seed_acceptance(*, people, stdout) -> None:
    existing = set(Case.objects.values_list("subject", flat=True))
    if LAUNCH.subject not in existing:
        case = _seed_launch(people)
        stdout.write(f"Demo acceptance: {case.code} accepting, v1 waits for zhengkai.")
    if INSPECTION.subject not in existing:
        case = _seed_inspection(people)
        stdout.write(
            f"Demo acceptance: {case.code} accepted on v2 after a rework; retrospective half "
            "written, qinhao (for zhuming) still to rate."
        )
    if SUPPLIERS.subject not in existing:
        case = _seed_suppliers(people)
        stdout.write(f"Demo acceptance: {case.code} archived with its retrospective.")
    if TRAINING.subject not in existing:
        case = _seed_training(people)
        stdout.write(f"Demo acceptance: {case.code} accepted by 高建华 through the link, archived.")


register_demo_seeder(seed_acceptance)
