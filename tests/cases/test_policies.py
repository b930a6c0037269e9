"""The kernel's shared rules: the stage gate every stage's services pass, and whom a decision
was taken for."""

import pytest

from cases.models import Case
from cases.policies import decided_for, refuse_wrong_stage
from collab_portal.lib.refusals import ActionRefused
from tests.factories import UserFactory

Stage = Case.Stage


@pytest.mark.parametrize("stage", [choice for choice, _label in Stage.choices])
def test_the_stage_gate_lets_through_only_the_allowed_stages(stage):
    case = Case(stage=stage)
    allowed = (Stage.EXECUTING, Stage.ACCEPTING)
    if stage in allowed:
        refuse_wrong_stage(case, allowed=allowed)
        refuse_wrong_stage(case, allowed=allowed, archived_first=True)
        return
    with pytest.raises(ActionRefused) as refused:
        refuse_wrong_stage(case, allowed=allowed)
    assert case.get_stage_display() in refused.value.message
    with pytest.raises(ActionRefused) as refused_first:
        refuse_wrong_stage(case, allowed=allowed, archived_first=True)
    if stage == Stage.ARCHIVED:
        assert refused_first.value.message == "此需求已归档，不能再修改。"
    else:
        assert refused_first.value.message == refused.value.message


def test_an_archived_case_is_told_by_its_stage_unless_the_archive_speaks_first():
    case = Case(stage=Stage.ARCHIVED)
    with pytest.raises(ActionRefused) as refused:
        refuse_wrong_stage(case, allowed=(Stage.ACCEPTING,))
    assert refused.value.message == "此需求当前为“已归档”状态，不能再执行此操作。"


@pytest.mark.django_db
def test_a_decision_names_whom_it_was_taken_for_only_when_that_is_someone_else():
    head, delegate = UserFactory(), UserFactory()
    assert decided_for(delegate, head) == head
    assert decided_for(head, head) is None
    assert decided_for(delegate, None) is None
