"""Text meant for one line — a one-line form field, an e-mail subject, a chat message's headline —
holds no control characters: a line break there starts a new e-mail header or a new block of
markup, and a tab or an escape sequence is never what a person meant to type."""

import re

# C0 controls (tab, line feed and carriage return among them), DEL, C1 controls (NEL among
# them), and Unicode's line and paragraph separators.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_RUNS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """``text`` with each run of control characters made one space."""
    return _CONTROL_RUNS.sub(" ", text)
