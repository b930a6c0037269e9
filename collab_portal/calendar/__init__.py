"""The working calendar: which days are working days, and everything that decides it.

``workdays`` counts and steps working days; below an administrator's override for a date, a
holiday year entered as the State Council published it (``holiday_arrangement`` reads it,
``services`` saves it, ``pages`` previews it, ``selectors`` reads it back), then the
``chinese-calendar`` package, then Monday to Friday. The rows themselves (``HolidayYear``,
``HolidayEntry``, ``WorkdayOverride``) are the organisation's models and its admin pages.
"""
