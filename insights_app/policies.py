"""Who has a dashboard, and of which departments.

Heads see the departments they head, leaders in charge those they lead (with everything below
them, and those of anyone they act for today), admins every department and the whole company.
Anyone else has no dashboard; a department they may not see answers 404 (``scope.scope_for``).
"""

from __future__ import annotations

from collab_portal.org.models import User
from collab_portal.org.selectors import departments_overseen_by


def may_see_whole_company(user: User) -> bool:
    return user.is_portal_admin


def dashboard_departments(user: User) -> set[int] | None:
    """The departments whose dashboard ``user`` may open; None: every one (an admin's)."""
    if may_see_whole_company(user):
        return None
    return set(departments_overseen_by(user))
