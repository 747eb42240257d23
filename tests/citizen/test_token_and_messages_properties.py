"""Generated and mutated requests at ``/oauth/token`` and ``/helsenorge/messages``.

Whatever arrives, the answer is never a 5xx, and a refused request stores nothing: no used
assertion, no audit row, no received message, no handler run. The examples are
derandomized and few, so the suite stays fast and every run tries the same inputs.
"""

from __future__ import annotations

import base64
import json
import uuid
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from joserfc import jws

from citizen.extensions import limiter
from citizen.oauth.schemas import TOKEN_PARAMETERS
from services import clients
from services.audit.models import AuditEvent
from services.clients.models import UsedClientAssertion
from services.clients.tokens import JWT_BEARER_ASSERTION
from services.db import db
from services.helsenorge import service as helsenorge
from services.helsenorge.gateway import helsenorge_settings
from services.helsenorge.models import InboundMessage
from tests.oauth_support import generate_client_key, public_jwks, sign_assertion

# The tests drive the app through function-scoped fixtures on purpose: what one example
# stores, the next one may collide with (a replayed jti, a duplicate CorrelationId).
bounded = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])

#: Any text, with the characters that databases and parsers trip over made likely.
TEXT = st.text(st.characters(exclude_categories=["Cs"]) | st.sampled_from("\x00\n%&<\u00e6"),
               max_size=40)
#: What an HTTP header can carry: printable Latin-1 (the test client refuses the rest).
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                                    exclude_characters="\x7f"), max_size=60)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def token_client(client):
    def post(data: dict, headers: dict | None = None):
        limiter.reset()  # else the refusals soon answer 429 and hide everything behind it
        before = (_count(UsedClientAssertion), _count(AuditEvent))
        response = client.post("/oauth/token", data=data, headers=headers or {})
        after = (_count(UsedClientAssertion), _count(AuditEvent))
        assert response.status_code < 500, response.get_data(as_text=True)
        event(f"status {response.status_code}")
        if response.status_code == 200:
            assert response.json["token_type"] == "Bearer"
        else:
            assert after == before, "a refused token request stored something"
        return response

    return post


# --- /oauth/token: form fields and credentials ---------------------------------------

credentials = st.one_of(
    st.none(),
    HEADER_TEXT.map(lambda value: {"Authorization": value}),
    st.tuples(TEXT, TEXT).map(lambda pair: {"Authorization": "Basic " + base64.b64encode(
        f"{pair[0]}:{pair[1]}".encode()).decode()}),
)
garbage_jwt = st.lists(st.text("ABCabc-_=.0123456789+/\u00e6", max_size=30), min_size=1,
                       max_size=5).map(".".join)
forms = st.dictionaries(
    st.sampled_from([*TOKEN_PARAMETERS, "unknown"]),
    st.one_of(TEXT, st.just("client_credentials"), st.just(JWT_BEARER_ASSERTION), garbage_jwt),
    max_size=6,
)


@bounded
@given(form=forms, headers=credentials)
def test_generated_token_requests_never_answer_5xx(token_client, form, headers):
    token_client(form, headers)


# --- /oauth/token: well-formed assertions with mutated header and claims -------------

CLAIM_NAMES = st.sampled_from(["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "extra"])
HEADER_NAMES = st.sampled_from(["alg", "kid", "typ", "crit", "jku", "x5u", "cty", "extra"])
changes = st.dictionaries(CLAIM_NAMES, JSON_VALUES, max_size=3)
header_changes = st.dictionaries(HEADER_NAMES, JSON_VALUES, max_size=2)
#: A header or payload that is not the JSON of a dict: deep nesting, other JSON, bytes.
raw_segments = st.one_of(
    st.none(), st.none(), st.none(),
    # Deeper than Python recurses (more than hypothesis's raised limit, too), yet within
    # the form field's 16,000 characters; closed or not, the parser meets the depth first.
    st.sampled_from([1_000, 5_000]).map(lambda n: ("[" * n + "]" * n).encode()),
    st.sampled_from([2_000, 11_000]).map(lambda n: ("[" * n).encode()),
    st.just(('{"iss": ' + '{"a":' * 2_000).encode()),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=40),
)


@pytest.fixture
def key_client(db):
    key = generate_client_key()
    system, _ = clients.create_client(name="Hospital record system",
                                      scopes="system/Patient.rs",
                                      auth_method="private_key_jwt", jwks=public_jwks(key))
    db.session.commit()
    return key, system


@bounded
@given(claims=changes, dropped=st.sets(CLAIM_NAMES, max_size=3), header=header_changes,
       how=st.sampled_from(["signed", "spliced", "bad signature"]),
       raw_header=raw_segments, raw_payload=raw_segments,
       scope=st.one_of(st.none(), TEXT, st.just("system/Patient.r")))
def test_mutated_assertions_never_answer_5xx(app, token_client, key_client, claims, dropped,
                                              header, how, raw_header, raw_payload, scope):
    key, system = key_client
    audience = app.config["PUBLIC_BASE_URL"] + "/oauth/token"
    valid = sign_assertion(key, client_id=system.client_id, audience=audience,
                           jti=uuid.uuid4().hex)
    original_header, original_claims, signature = (
        json.loads(base64.urlsafe_b64decode(part + "==")) if i < 2 else part
        for i, part in enumerate(valid.split("."))
    )
    body = {k: v for k, v in {**original_claims, **claims}.items() if k not in dropped}
    protected = {**original_header, **header}
    payload = raw_payload or json.dumps(body).encode()
    encoded_header = raw_header or json.dumps(protected).encode()
    assertion = None
    if how == "signed" and raw_header is None:
        try:
            assertion = jws.serialize_compact(protected, payload, key)
        except Exception:  # joserfc refuses to sign this header: splice it unsigned
            assertion = None
    if assertion is None:
        tail = signature if how != "bad signature" else _b64(b"not the signature")
        assertion = f"{_b64(encoded_header)}.{_b64(payload)}.{tail}"
    form = {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER_ASSERTION,
            "client_assertion": assertion}
    if scope is not None:
        form["scope"] = scope
    token_client(form)


# --- /helsenorge/messages: headers, bodies, signatures -------------------------------

FIELDS = ("MessageFunction", "FromHerId", "ToHerId", "MessageId", "CorrelationId",
          "EnqueuedTimeUtc", "ContentType", "Payload", "ApplicationTimestamp", "CpaId")


def _valid_fields() -> st.SearchStrategy[dict[str, str]]:
    settings_ = helsenorge_settings()
    return st.fixed_dictionaries({
        "MessageFunction": st.just("SKJEMA_SVAR"), "FromHerId": st.just(settings_.her_id),
        "ToHerId": st.just(settings_.our_her_id), "MessageId": st.uuids().map(str),
        "CorrelationId": st.uuids().map(str), "Payload": st.just('{"resourceType": "x"}'),
    })


def _envelope(fields: dict[str, str | None]) -> bytes:
    root = ET.Element("AMQPMessage")
    for name, value in fields.items():
        if value is not None:
            ET.SubElement(root, name).text = value
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@st.composite
def envelopes(draw) -> bytes:
    fields: dict[str, str | None] = draw(_valid_fields())
    for name in draw(st.sets(st.sampled_from(FIELDS), max_size=3)):
        fields[name] = draw(st.one_of(st.none(), TEXT, st.text("x", min_size=95, max_size=110)))
    return _envelope(fields)


@st.composite
def mutated(draw, base: st.SearchStrategy[bytes]) -> bytes:
    data = bytearray(draw(base))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        match draw(st.sampled_from(["insert", "delete", "replace"])):
            case "insert":
                data[at:at] = draw(st.binary(min_size=1, max_size=8)
                                   | st.sampled_from([b"<", b">", b"&", b"<!DOCTYPE x>",
                                                      b"&x;", b"]]>", b"\x00"]))
            case "delete":
                del data[at:at + draw(st.integers(1, 16))]
            case "replace":
                data[at:at + 1] = draw(st.binary(min_size=1, max_size=1))
    return bytes(data)


def _nested(levels: int) -> bytes:
    settings_ = helsenorge_settings()
    fields = {"MessageFunction": "SKJEMA_SVAR", "FromHerId": settings_.her_id,
              "ToHerId": settings_.our_her_id, "MessageId": "m", "CorrelationId": str(levels),
              "Payload": "@@"}
    return _envelope(fields).replace(b"@@", b"<a>" * levels + b"</a>" * levels)


bodies = st.one_of(envelopes(), mutated(envelopes()), st.integers(0, 120).map(_nested),
                   st.binary(max_size=200))
content_types = st.sampled_from(["application/xml", "text/xml", "application/xml; charset=utf-8",
                                 "application/json", "text/plain", ""])


@pytest.fixture
def handled(monkeypatch):
    seen: list = []
    monkeypatch.setitem(helsenorge._handlers, "SKJEMA_SVAR", seen.append)
    return seen


@bounded
@given(body=bodies, content_type=content_types,
       signature=st.one_of(st.just("right"), st.just("right"), HEADER_TEXT,
                           st.just("sha256=\u00e6\u00f8\u00e5")))
def test_generated_messages_never_answer_5xx(client, handled, body, content_type, signature):
    if signature == "right":
        signature = helsenorge.signature_for(body)
    before, runs = _count(InboundMessage), len(handled)
    response = client.post("/helsenorge/messages", data=body, headers={
        "Content-Type": content_type, "X-Helsenorge-Signature": signature})
    assert response.status_code < 500, response.get_data(as_text=True)
    event(f"status {response.status_code}")
    stored = _count(InboundMessage) - before
    if response.status_code == 202:
        assert (stored, len(handled) - runs) == (1, 1)
    else:
        assert (stored, len(handled) - runs) == (0, 0), "a refused message left something"
