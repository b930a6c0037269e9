"""The one exception services raise when someone may not do something now."""


class ActionRefused(Exception):
    """A state change was refused: wrong person, wrong state, or someone else was faster.

    ``message`` is translated and safe to show to the user as it is."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


def refuse_unless(condition: bool, message) -> None:
    """Raise ActionRefused(message) unless ``condition`` holds."""
    if not condition:
        raise ActionRefused(message)
