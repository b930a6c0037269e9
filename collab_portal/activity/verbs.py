"""Labels of timeline actions. Stage apps register theirs at start-up (AppConfig.ready), so the
platform shows them without importing a stage app."""

from django.utils.functional import Promise, lazy

_labels: dict[str, Promise | str] = {}


def register_verbs(labels: dict[str, Promise | str]) -> None:
    _labels.update(labels)


def verb_label(verb: str) -> str:
    return str(_labels.get(verb, verb))


verb_label_lazy = lazy(verb_label, str)
