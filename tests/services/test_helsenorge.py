"""The helsenorge round trip through the local HTTP queue stand-in, and every refusal."""

from __future__ import annotations

import uuid

import pytest
import requests
from celery.exceptions import Retry

from services.helsenorge.envelope import Envelope, InvalidEnvelope
from services.helsenorge.gateway import configure_helsenorge, helsenorge_settings
from services.helsenorge.models import InboundMessage
from services.helsenorge.service import (
    UnknownMessageFunction,
    UntrustedMessage,
    inbound_handler,
    receive,
    send_to_helsenorge,
    signature_for,
)
from services.outbox.models import OutboxMessage, OutboxStatus
from services.outbox.tasks import deliver
from tests.plugins.db import table_rows
from tests.standins.helsenorge_queue import HelsenorgeQueueServer

OUR_HER, THEIR_HER = "8142987", "8142519"


@pytest.fixture
def queue_server(app):
    previous = helsenorge_settings()
    with HelsenorgeQueueServer() as server:
        configure_helsenorge(queue_url=server.url, outbound_queue="helsenorge-in",
                             our_her_id=OUR_HER, her_id=THEIR_HER, cpa_id="cpa-1",
                             inbound_secret="test-secret-" * 3)
        yield server
    configure_helsenorge(queue_url=None, outbound_queue="x", our_her_id=previous.our_her_id,
                         her_id=previous.her_id, cpa_id=previous.cpa_id,
                         inbound_secret=previous.inbound_secret.decode())


def _send(db, key="task-1"):
    message = send_to_helsenorge(message_function="SKJEMA_OPPGAVE",
                                 payload='{"resourceType":"Task"}',
                                 correlation_id="corr-1", dedupe_key=key)
    db.session.commit()
    return message


def test_outbound_message_reaches_the_queue_in_the_envelope(db, queue_server):
    message = _send(db)
    assert deliver.run(message.id) == "sent"
    [raw] = queue_server.queues["helsenorge-in"]
    envelope = Envelope.from_xml(raw)
    assert (envelope.from_her_id, envelope.to_her_id) == (OUR_HER, THEIR_HER)
    assert envelope.message_function == "SKJEMA_OPPGAVE"
    assert envelope.correlation_id == "corr-1" and envelope.cpa_id == "cpa-1"
    assert envelope.payload == '{"resourceType":"Task"}'
    assert db.session.get(OutboxMessage, message.id).external_id == envelope.message_id


def test_helsenorge_down_means_retry_not_loss(db, queue_server):
    queue_server.fail_next.extend([503])
    message = _send(db)
    with pytest.raises(Retry):
        deliver.run(message.id)
    stored = db.session.get(OutboxMessage, message.id)
    assert stored.status is OutboxStatus.PENDING and "503" in stored.last_error
    assert not queue_server.queues["helsenorge-in"]


def test_a_refused_message_is_dead(db, queue_server):
    queue_server.fail_next.extend([400])
    message = _send(db)
    assert deliver.run(message.id) == "dead"


@pytest.fixture
def received():
    seen: list[Envelope] = []
    inbound_handler("SKJEMA_SVAR")(seen.append)
    return seen


def _inbound(correlation_id=None, *, function="SKJEMA_SVAR", from_her=THEIR_HER,
             to_her=OUR_HER) -> bytes:
    return Envelope(message_function=function, from_her_id=from_her, to_her_id=to_her,
                    message_id=str(uuid.uuid4()), correlation_id=correlation_id or "c-9",
                    payload='{"resourceType":"QuestionnaireResponse"}').to_xml()


def test_inbound_is_verified_and_handled_once(db, queue_server, received):
    body = _inbound("c-42")
    first = receive(body=body, signature=signature_for(body))
    again = receive(body=body, signature=signature_for(body))
    assert (first.duplicate, again.duplicate) == (False, True)
    assert [e.correlation_id for e in received] == ["c-42"]


@pytest.mark.parametrize("signature", [None, "", "sha256=00", "md5=abc"])
def test_unsigned_or_badly_signed_inbound_is_refused(db, queue_server, received, signature):
    with pytest.raises(UntrustedMessage):
        receive(body=_inbound(), signature=signature)
    assert received == []


@pytest.mark.parametrize("addressing", [{"from_her": "999"}, {"to_her": "999"}])
def test_inbound_from_or_to_someone_else_is_refused(db, queue_server, received, addressing):
    body = _inbound(**addressing)
    with pytest.raises(UntrustedMessage):
        receive(body=body, signature=signature_for(body))


def test_inbound_with_unknown_function_is_refused(db, queue_server):
    body = _inbound(function="NOBODY_HANDLES_THIS")
    with pytest.raises(UnknownMessageFunction):
        receive(body=body, signature=signature_for(body))


@pytest.mark.parametrize("body", [
    b"not xml", b"<Other/>", b"<AMQPMessage><FromHerId>1</FromHerId></AMQPMessage>",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><AMQPMessage>&e;</AMQPMessage>',
])
def test_malformed_envelopes_are_refused(db, queue_server, body):
    with pytest.raises(InvalidEnvelope):
        receive(body=body, signature=signature_for(body))


def test_http_endpoint_answers_202_then_200_and_refuses_bad_input(client, queue_server,
                                                                   received):
    body = _inbound("c-http")
    headers = {"Content-Type": "application/xml", "X-Helsenorge-Signature": signature_for(body)}
    assert client.post("/helsenorge/messages", data=body, headers=headers).status_code == 202
    again = client.post("/helsenorge/messages", data=body, headers=headers)
    assert again.status_code == 200 and again.json["status"] == "duplicate"
    assert len(received) == 1

    unsigned = client.post("/helsenorge/messages", data=body,
                           headers={"Content-Type": "application/xml"})
    assert unsigned.status_code == 401 and unsigned.mimetype == "application/problem+json"
    as_json = client.post("/helsenorge/messages", json={"x": 1})
    assert as_json.status_code == 415
    garbage = b"<nope"
    bad = client.post("/helsenorge/messages", data=garbage, headers={
        "Content-Type": "application/xml", "X-Helsenorge-Signature": signature_for(garbage)})
    assert bad.status_code == 400


def test_round_trip_task_out_answer_back(client, db, queue_server, received):
    """Our form task leaves through the queue; helsenorge answers on the same correlation."""
    message = send_to_helsenorge(message_function="SKJEMA_OPPGAVE",
                                 payload='{"resourceType": "Task", "status": "requested"}',
                                 correlation_id="task-77", dedupe_key="task-77")
    db.session.commit()
    assert deliver.run(message.id) == "sent"

    # helsenorge's side: take our message off its queue (GET, as the HTTP transport does)
    got = requests.get(f"{queue_server.url}/helsenorge-in", timeout=5)
    ours = Envelope.from_xml(got.content)
    assert requests.get(f"{queue_server.url}/helsenorge-in", timeout=5).status_code == 404
    answer = Envelope(message_function="SKJEMA_SVAR", from_her_id=ours.to_her_id,
                      to_her_id=ours.from_her_id, message_id=str(uuid.uuid4()),
                      correlation_id=ours.correlation_id,
                      payload='{"resourceType": "QuestionnaireResponse"}').to_xml()
    response = client.post("/helsenorge/messages", data=answer, headers={
        "Content-Type": "application/xml", "X-Helsenorge-Signature": signature_for(answer)})
    assert response.status_code == 202
    assert [e.correlation_id for e in received] == ["task-77"]


def _post(client, body: bytes, signature: str | None = None):
    return client.post("/helsenorge/messages", data=body, headers={
        "Content-Type": "application/xml",
        "X-Helsenorge-Signature": signature if signature is not None else signature_for(body)})


def test_a_non_ascii_signature_is_401(client, queue_server, received):
    response = _post(client, _inbound(), signature="sha256=\u00e6\u00f8\u00e5")
    assert response.status_code == 401
    assert received == []


def _nested_payload(levels: int) -> bytes:
    """A signed envelope whose Payload holds ``levels`` nested elements (the envelope's own
    two levels come on top)."""
    marker = "@@PAYLOAD@@"
    envelope = Envelope(message_function="SKJEMA_SVAR", from_her_id=THEIR_HER,
                        to_her_id=OUR_HER, message_id="m-1", correlation_id="c-deep",
                        payload=marker).to_xml()
    return envelope.replace(marker.encode(), b"<a>" * levels + b"</a>" * levels)


def test_nesting_is_accepted_to_fifty_levels_and_refused_beyond(client, queue_server, received):
    assert _post(client, _nested_payload(48)).status_code == 202
    assert [e.correlation_id for e in received] == ["c-deep"]
    for levels in (49, 100_000):
        deeper = _nested_payload(levels).replace(b"c-deep", b"c-deeper")
        response = _post(client, deeper)
        assert response.status_code == 400
        assert "nested deeper than 50" in response.json["detail"]
    assert len(received) == 1
    assert len(table_rows(InboundMessage)) == 1


_ENVELOPE_BODY = ("<AMQPMessage><MessageFunction>SKJEMA_SVAR</MessageFunction>"
                  f"<FromHerId>{THEIR_HER}</FromHerId><ToHerId>{OUR_HER}</ToHerId>"
                  "<MessageId>m</MessageId><CorrelationId>c</CorrelationId>"
                  "<Payload>{payload}</Payload></AMQPMessage>")


@pytest.mark.parametrize(("body", "why"), [
    # billion laughs: entities expanding into entities
    ('<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa">'
     '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
     + _ENVELOPE_BODY.format(payload="&c;"), "refused XML construct"),
    # an external entity (XXE) reading a local file
    ('<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     + _ENVELOPE_BODY.format(payload="&x;"), "refused XML construct"),
    # an external DTD
    ('<?xml version="1.0"?><!DOCTYPE m SYSTEM "http://127.0.0.1:9/evil.dtd">'
     + _ENVELOPE_BODY.format(payload="x"), "refused XML construct"),
    ('<?xml version="1.0" encoding="x-no-such-encoding"?>' + _ENVELOPE_BODY.format(payload="x"),
     "not well-formed"),
    ('<?xml version="1.0" encoding="utf-16"?>' + _ENVELOPE_BODY.format(payload="x"),
     "not well-formed"),
    (_ENVELOPE_BODY.format(payload="x").replace("<MessageId>m", "<MessageId>" + "m" * 101),
     "message_id is longer than 100"),
    (_ENVELOPE_BODY.format(payload="x").replace(">c<", ">" + "c" * 101 + "<"),
     "correlation_id is longer than 100"),
    (_ENVELOPE_BODY.format(payload="\x00"), "not well-formed"),
])
def test_xml_attacks_and_oversized_fields_are_400_and_store_nothing(client, queue_server,
                                                                    received, body, why):
    response = _post(client, body.encode())
    assert response.status_code == 400, response.json
    assert why in response.json["detail"]
    assert received == []
    assert table_rows(InboundMessage) == []


def test_fields_as_long_as_their_columns_are_accepted(client, queue_server, received):
    body = Envelope(message_function="SKJEMA_SVAR", from_her_id=THEIR_HER, to_her_id=OUR_HER,
                    message_id="m" * 100, correlation_id="c" * 100, payload="{}").to_xml()
    assert _post(client, body).status_code == 202
    [stored] = table_rows(InboundMessage)
    assert (stored.message_id, stored.correlation_id) == ("m" * 100, "c" * 100)
