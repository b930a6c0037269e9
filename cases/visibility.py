"""Who sees a case beyond its own fields: the stage apps register a rule each at start-up
(in their ``AppConfig.ready``), so the kernel never imports them. ``Case.objects.visible_to``
ORs the case's own people with every rule.

A rule takes the user and the ids of the departments they oversee today
(``departments_overseen_by``, read once per call) and answers a ``Q`` over the case, best a
``pk__in`` subquery on one index: an OR inside one subquery would scan the whole table."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

VisibilityRule = Callable[..., Q]  # (user, overseen: list[int]) -> Q over the case

_rules: list[VisibilityRule] = []


def register_visibility(*rules: VisibilityRule) -> None:
    for rule in rules:
        if rule not in _rules:
            _rules.append(rule)


def visibility_rules() -> tuple[VisibilityRule, ...]:
    return tuple(_rules)
