"""Demo notification settings and a few notices, so the development page lists something
under ``make run``."""

from __future__ import annotations

import sqlalchemy as sa

from services.db import db
from services.demo import demo_seeder
from services.notify.events import NEW_MESSAGE
from services.notify.models import Notification, NotificationSettings
from services.notify.service import notify
from services.notify.settings import update_settings
from services.people.demo import SEEDER
from services.people.models import Organisation, Person
from services.people.service import add_organisation

#: (given name, family name, settings)
DEMO_SETTINGS = [
    ("Ingrid", "Berg", {"channels": "both", "email": "ingrid.berg@example.no"}),
    ("Ola", "Hansen", {"language": "nn"}),
    ("Arne", "Lie", {"channels": "email", "email": "arne.lie@example.no",
                     "non_essential": False}),
]
#: A unit under the demo trust: messages from it name the trust, never the unit.
DEMO_UNIT = ("Kvinneklinikken", "910000012")


@demo_seeder("notify")
def seed_notifications() -> dict[str, int]:
    created = {"notification settings": 0, "notifications": 0}
    trust = db.session.scalar(sa.select(Organisation).where(Organisation.parent_id.is_(None))
                              .order_by(Organisation.id).limit(1))
    unit = add_organisation(name=DEMO_UNIT[0], org_number=DEMO_UNIT[1], parent=trust)
    for given, family, settings in DEMO_SETTINGS:
        person = _person(given, family)
        if person is None:
            continue
        if db.session.get(NotificationSettings, person.id) is None:
            update_settings(person_id=person.id, actor=SEEDER, **settings)
            created["notification settings"] += 1
        key = f"demo:new-message:{person.id}"
        if db.session.scalar(sa.select(Notification.id).where(
                Notification.dedupe_key.startswith(f"{key}:"))) is None:
            # Urgent, so they show on the development page at once, whatever the hour.
            created["notifications"] += len(notify(
                person_id=person.id, event=NEW_MESSAGE.name, context={"unit": unit.name},
                actor=SEEDER, key=key, urgent=True, organisation_id=unit.id))
    return created


def _person(given: str, family: str) -> Person | None:
    return db.session.scalar(sa.select(Person).where(Person.given_name == given,
                                                     Person.family_name == family))
