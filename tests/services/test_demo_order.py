"""Demo seeders run in the domains' order, whichever module was imported first: a test or
a tool that imports one domain's demo module early cannot make it seed before the people
it needs exist."""

from __future__ import annotations

from services import demo, domains


def _seeder(module: str, kind: str, ran: list[str]):
    def seed() -> dict[str, int]:
        ran.append(kind)
        return {kind: 1}

    seed.__module__ = module
    return seed


def test_a_later_domains_seeder_registered_first_still_runs_after(monkeypatch):
    ran: list[str] = []
    monkeypatch.setattr(domains, "load_demo", lambda: None)
    monkeypatch.setattr(demo, "_seeders", [])
    demo.demo_seeder("wound")(_seeder("services.wound.demo.patients", "operations", ran))
    demo.demo_seeder("wound surveillance")(_seeder("services.wound.demo.surveillance",
                                                   "surveillance", ran))
    demo.demo_seeder("people")(_seeder("services.people.demo", "citizens", ran))
    demo.demo_seeder("outside")(_seeder("tests.somewhere", "other", ran))

    assert list(demo.seed_demo_data()) == ["citizens", "operations", "surveillance", "other"]
    assert ran == ["citizens", "operations", "surveillance", "other"]
