"""``flask notify test``: the neutral test message through the whole pipeline, queued,
committed, published to the workers and delivered by the task they run."""

from __future__ import annotations

import pytest

from services.notify.models import ConsoleMessage, Notification
from services.notify.transports.console import ConsoleTransport
from services.outbox.models import OutboxMessage
from services.outbox.tasks import deliver
from services.people.service import national_id_of
from tests.plugins.db import table_rows
from tests.services.notify.helpers import oslo, person_with


@pytest.fixture(autouse=True)
def _console(app, frozen_clock):
    from services.notify import transports

    console = ConsoleTransport()
    transports.install(sms=console, email=console)
    frozen_clock.move_to(oslo(2026, 3, 2, 23, 30))  # quiet hours: the test goes anyway


def _delivered(published):
    assert [deliver.run(message_id) for message_id in published] == ["sent"] * len(published)
    return table_rows(ConsoleMessage)


def test_to_a_number(cli, published_messages):
    result = cli.invoke(args=["notify", "test", "--to", "912 34 567"])
    assert result.exit_code == 0, result.output
    [message] = table_rows(OutboxMessage)
    assert result.output == f"queued outbox message {message.id} on sms\n"
    assert published_messages == [message.id]  # committed and handed to the workers
    [stored] = _delivered(published_messages)
    assert (stored.to, stored.body) == ("+4791234567", "Dette er en testmelding fra Min "
                                        "helse. Du trenger ikke gjøre noe.")


def test_to_an_address(cli, published_messages):
    assert cli.invoke(args=["notify", "test", "--to", "ops@example.no"]).exit_code == 0
    [stored] = _delivered(published_messages)
    assert (stored.channel, stored.to, stored.subject) == ("email", "ops@example.no",
                                                           "Testmelding fra Min helse")


def test_twice_is_two_tests(cli, published_messages):
    cli.invoke(args=["notify", "test", "--to", "+4791234567"])
    cli.invoke(args=["notify", "test", "--to", "+4791234567"])
    assert len(_delivered(published_messages)) == 2


@pytest.mark.parametrize("by", ["id", "national id"])
def test_to_a_person_by_her_settings_and_language(cli, db, published_messages, by):
    person = person_with(mobile="+4791234567", language="en")
    ref = str(person.id) if by == "id" else national_id_of(person)
    result = cli.invoke(args=["notify", "test", "--person", ref])
    assert result.exit_code == 0, result.output
    [stored] = _delivered(published_messages)
    assert stored.body == "This is a test message from Min helse. You do not need to do anything."
    [decided] = table_rows(Notification)
    assert (decided.event, decided.urgent, decided.actor) == ("notify.test", True,
                                                              "system:operator:notify-test")
    assert national_id_of(person) not in result.output


def test_a_person_who_cannot_be_reached_gets_nothing(cli, db, published_messages):
    person = person_with(mobile=None)
    result = cli.invoke(args=["notify", "test", "--person", str(person.id)])
    assert result.exit_code == 1
    assert "nothing queued" in result.output and published_messages == []


@pytest.mark.parametrize(("args", "says"), [
    ([], "give --to or --person"),
    (["--to", "+4791234567", "--person", "1"], "give --to or --person"),
    (["--to", "12345"], "not a valid phone number"),
    (["--to", "73868000"], "not a mobile"),
    (["--to", "ops@"], "not an e-mail address"),
    (["--person", "999999"], "no such person"),
    (["--person", "Kari"], "a person's id or 11-digit identity number"),
    (["--person", "15068512340"], "not a valid fødselsnummer"),
])
def test_refused(cli, db, published_messages, args, says):
    result = cli.invoke(args=["notify", "test", *args])
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert table_rows(OutboxMessage) == [] and published_messages == []


def test_an_unknown_national_id_is_no_such_person(cli, db):
    from datetime import date

    from tests.plugins.factories import national_id_for

    result = cli.invoke(args=["notify", "test", "--person", national_id_for(date(1990, 1, 1))])
    assert result.exit_code == 2 and "no such person" in result.output
