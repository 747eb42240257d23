"""The demo data leaves something on the development page once the worker delivered it."""

from __future__ import annotations

from collections import Counter

from services.demo import seed_demo_data
from services.notify.models import ConsoleMessage, Notification, NotificationSettings
from services.notify.transports.console import ConsoleTransport
from services.outbox.models import OutboxMessage
from services.wound.models import CaseState, FollowUp
from tests.plugins.db import table_rows


def test_demo_notices_reach_the_console_naming_the_trust(db, notify_rules, frozen_clock,
                                                        published_messages, outbox_worker):
    from services.notify import transports

    console = ConsoleTransport()
    transports.install(sms=console, email=console)
    seed_demo_data()
    db.session.commit()
    # The named people's own three, and the surveillance's 273 generated patients', who
    # opted out of non-essential notices: their history's receipts are of days gone by.
    assert len(table_rows(NotificationSettings)) == 3 + 273
    answered = sum(case.state is not CaseState.INVITED and case.answered_at is not None
                   for case in table_rows(FollowUp))
    # Two messages, each by SMS and e-mail; one SMS for each of the three people with
    # documents they can read now (the withheld and the unreleased say nothing; Ola's six
    # of the day are one notice);
    # the records officer's answer; Ola's invitation to his questionnaire (essential, so not
    # capped) by SMS and as a helsenorge form task; the receipt of Emil's answered one.
    # Each answer's receipt is decided by the worker (``notice``): only Emil's is sent.
    assert outbox_worker() == ["sent"] * (11 + answered)
    assert Counter(m.channel for m in table_rows(OutboxMessage)) - Counter(
        {"notice": answered}) == Counter({"sms": 8, "email": 2, "helsenorge-wound-form": 1})
    stored = table_rows(ConsoleMessage)
    assert sorted(m.channel for m in stored) == ["email"] * 2 + ["sms"] * 8
    assert sum("nytt dokument" in m.body for m in stored) == 3
    assert sum("har fått svarene dine" in m.body for m in stored) == 1
    assert [n.outcome.value for n in table_rows(Notification)
            if n.event == "wound.questionnaire-open"] == ["queued"]
    assert [n.outcome.value for n in table_rows(Notification)
            if n.event == "records.document-new" and n.channel == "sms"] == ["queued"] * 3
    assert all("St. Olavs hospital" in m.body and "Kvinneklinikken" not in m.body
               for m in stored)
    assert any(m.body.startswith("Du har fått ei ny melding frå") for m in stored)  # nn
    seed_demo_data()
    db.session.commit()
    assert len(published_messages) == 11 + answered
