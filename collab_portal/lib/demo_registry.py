"""Stage apps add their demo cases to ``seed_demo`` from a ``demo_data`` module that registers
a seeder here; the platform never imports a stage app."""

from collections.abc import Callable

_seeders: list[Callable] = []


def register_demo_seeder(seeder: Callable) -> Callable:
    if seeder not in _seeders:
        _seeders.append(seeder)
    return seeder


def seeders() -> list[Callable]:
    return list(_seeders)
