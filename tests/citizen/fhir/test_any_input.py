"""Whatever a token holder sends the FHIR API, it answers without a 5xx, and what it stored
stays readable: generated and mutated Patients, transaction and batch Bundles, and searches.

Examples build on each other within a test (one database per test, not per example), so
later ones read, search and collide with what earlier ones stored. The number of examples
comes from the Hypothesis profile (tests/plugins/properties.py).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient
from hypothesis import event, given
from hypothesis import strategies as st

from services.people.identity import DNR_SYSTEM, FNR_SYSTEM
from tests.plugins.factories import national_id_for, system_bearer

FHIR = "application/fhir+json"

#: Values that have broken parsers before: other scripts' digits, numbers past every
#: column, the calendar's edges, URLs that do not parse, control characters.
TRICKY_STRINGS = [
    "", " ", "0", "-1", "1", "١٢٣", "²", "٠٥٠٦٨٥", "99999999999999999999", "2147483648",
    "9223372036854775808", "1e9", "NaN", "http://[", "Patient/١", "Patient/0", "Patient/",
    "x" * 201, "x" * 10_000, "\x00", "\ud800", "é" * 101, "ge0001-01-01T00:00:00+14:00",
    "le9999-12-31T23:59:59-14:00", "0001-01-01", "9999-12-31", "2026-02-30", "%", "|", "a|",
    FNR_SYSTEM, f"{FNR_SYSTEM}|", ",,", "_id", "*",
]
tricky_text = st.one_of(st.sampled_from(TRICKY_STRINGS), st.text(max_size=30),
                        st.text(st.characters(categories=["Nd", "No"]), min_size=1,
                                max_size=12))
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(), tricky_text)
#: Mostly names that fit, so that much of what is generated is stored and read back; some
#: about as long as the name columns (200), on either side.
names = st.one_of(st.sampled_from(["Nordmann", "Berg", "Kari", "Ola", "Åse Marie", "李"]),
                  st.text(st.characters(categories=["L"]), min_size=1, max_size=20),
                  st.integers(195, 205).map(lambda length: "æ" * length), tricky_text)
any_json = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(tricky_text, inner, max_size=3), max_leaves=8)


#: What an HTTP header can carry (Latin-1 without control characters), ETags first.
header_values = st.one_of(st.none(), st.sampled_from(['W/"1"', '"1"', 'W/"2"', "W/", '""', "*"]),
                          st.text(st.characters(min_codepoint=32, max_codepoint=255,
                                                exclude_characters="\x7f"), max_size=20))


births = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))


@st.composite
def national_ids(draw, born=births) -> str:
    return national_id_for(draw(born), draw(st.integers(0, 40)), d_number=draw(st.booleans()))


@st.composite
def patients(draw) -> dict[str, Any]:
    """A Patient that is valid but for its names (which may be any text), and now and
    then its identifier's system or birth date."""
    born = draw(births)
    number = draw(national_ids(st.just(born)))
    system = DNR_SYSTEM if int(number[0]) >= 4 else FNR_SYSTEM
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": draw(st.sampled_from([system] * 4 + [FNR_SYSTEM])),
                        "value": number}],
        "name": [{"use": "official", "family": draw(names),
                  "given": draw(st.lists(names, min_size=1, max_size=3))}],
    }
    if draw(st.booleans()):
        resource["birthDate"] = draw(st.sampled_from([born.isoformat()] * 4 + ["1985-06-15"]))
    return resource


def _slots(document: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) in ``document``: the places a mutation can hit."""
    slots, containers = [], [document]
    while containers:
        node = containers.pop()
        for key, value in list(node.items() if isinstance(node, dict) else enumerate(node)):
            slots.append((node, key))
            if isinstance(value, dict | list):
                containers.append(value)
    return slots


@st.composite
def mutated(draw, documents) -> dict[str, Any]:
    """A document from ``documents`` with up to three places changed: a value replaced,
    removed, nulled, nested deep, or a null or a stranger put into an array."""
    document = draw(documents)
    for _ in range(draw(st.integers(0, 3))):
        slots = _slots(document)
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["replace", "remove", "null", "nest", "grow"]))
        if action == "replace":
            container[key] = draw(any_json)
        elif action == "remove" and isinstance(container, dict):
            del container[key]
        elif action == "null":
            container[key] = None
        elif action == "nest":
            for _ in range(draw(st.sampled_from([10, 30, 70, 200]))):
                container[key] = [container[key]]
        elif isinstance(container[key], list):
            container[key].insert(draw(st.integers(0, len(container[key]))),
                                  draw(st.one_of(st.none(), any_json)))
    return document


date_values = st.builds(lambda prefix, moment: prefix + moment, st.sampled_from(
    ["", "eq", "ne", "gt", "lt", "ge", "le", "sa", "xx"]), st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.dates().map(date.isoformat), tricky_text))
#: The identity numbers the search test stores first, so that some searches find them.
SEEDED = [national_id_for(date(1985, 6, 15), index) for index in range(3)]
token_values = st.builds(lambda system, value: f"{system}|{value}",
                         st.sampled_from([FNR_SYSTEM, DNR_SYSTEM, "", "urn:other"]),
                         st.one_of(st.sampled_from(SEEDED), national_ids(), tricky_text))
#: Ids and cursors, small (the stored ones) and past what an id column holds.
numbers = st.one_of(st.integers(1, 5), st.integers(2**31 - 2, 2**64)).map(str)
#: Each parameter with values of its kind (and any text); names we do not know with text.
search_values = {
    "_id": numbers, "_cursor": numbers, "_count": numbers, "_lastUpdated": date_values,
    "identifier": st.one_of(token_values, st.sampled_from(SEEDED)),
    "identifier:exact": token_values, "birthdate": st.dates().map(date.isoformat),
    "_format": st.sampled_from(["json", "xml", "application/fhir+json"]),
    "_total": tricky_text, "_summary": tricky_text, "name": names, "": tricky_text,
}
search_pairs = st.sampled_from(sorted(search_values)).flatmap(
    lambda name: st.tuples(st.just(name), st.one_of(search_values[name], tricky_text)))
search_queries = st.lists(search_pairs, max_size=4).map(
    # Lone surrogates become bytes that are not UTF-8: the server must cope with those too.
    lambda pairs: urlencode(pairs, errors="surrogatepass"))


def _target(created_ids: list[str], pick: int, other: str) -> str:
    """One of the ids created so far (two times in three), else ``other``. Drawn the same
    way whatever is stored, as Hypothesis needs to replay a draw."""
    return created_ids[pick % len(created_ids)] if created_ids and pick % 3 else other


@st.composite
def entries(draw, created_ids: list[str]) -> dict[str, Any]:
    method = draw(st.sampled_from(["POST"] * 4 + ["PUT"] * 2 + ["GET", "DELETE", "PATCH",
                                                                "post"]))
    target = _target(created_ids, draw(st.integers(0, 99)), draw(tricky_text))
    url = draw(st.sampled_from(["Patient"] * 3 + [f"Patient/{target}"] * 2 + [
        "Observation", target, "http://minhelse.test/fhir/R4/Patient", "http://["]))
    request: dict[str, Any] = {"method": method, "url": url}
    if draw(st.booleans()):
        request["ifNoneExist"] = draw(search_queries)
    resource = draw(st.one_of(patients(), mutated(patients())))
    if method == "PUT":
        resource["id"] = target
    return {"request": request, "resource": resource}


@st.composite
def bundles(draw, created_ids: list[str]) -> dict[str, Any]:
    bundle = {"resourceType": "Bundle", "type": draw(st.sampled_from(["transaction", "batch"])),
              "entry": draw(st.lists(entries(created_ids), max_size=4))}
    return draw(mutated(st.just(bundle))) if draw(st.booleans()) else bundle


@pytest.fixture
def api(client, db, monkeypatch):
    """The FHIR API as a token holder with every Patient scope sees it, checking after
    every answer that it is no 5xx and that everything created reads back. (Hundreds of
    requests a second: above the per-client rate limit, which is not what is tested here.)"""
    monkeypatch.setitem(client.application.config, "FHIR_RATE_LIMIT", "1000000/second")
    return _Api(client, system_bearer("system/Patient.crus"))


class _Api:
    def __init__(self, client, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers
        self.created: list[str] = []

    def send(self, method: str, path: str, body: Any = None, *, query=None,
             headers: dict[str, str] | None = None):
        data = json.dumps(body) if body is not None else None
        response = self.client.open(f"/fhir/R4{path}", method=method, data=data,
                                    query_string=query,
                                    headers={**self.headers, "Content-Type": FHIR,
                                             **(headers or {})})
        assert response.status_code < 500, (method, path, query, headers, body,
                                            response.get_data(as_text=True)[:500])
        event(f"{method} {path.split('/')[1] if '/' in path else 'base'}: "
              f"{response.status_code}")  # --hypothesis-show-statistics shows how many
        assert response.mimetype == FHIR
        return response

    def form(self, path: str, query: str):
        """POST ``query`` as a form, as the ``_search`` interaction takes it."""
        response = self.client.post(f"/fhir/R4{path}", data=query, headers={
            **self.headers, "Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code < 500, (path, query, response.get_data(as_text=True)[:500])
        event(f"POST _search: {response.status_code}")
        return response

    def read_back(self, resource_id: str) -> None:
        read = self.send("GET", f"/Patient/{resource_id}")
        assert read.status_code == 200, read.json
        Patient.model_validate(read.json)
        if resource_id not in self.created:
            self.created.append(resource_id)

    def search_all_is_valid(self) -> None:
        found = self.send("GET", "/Patient", query={"_count": "500"})
        assert found.status_code == 200
        Bundle.model_validate(found.json)
        assert len(found.json["entry"]) >= len(self.created)


@given(data=st.data())
def test_any_patient_is_stored_readably_or_refused_with_a_4xx(api, data):
    resource = data.draw(st.one_of(patients(), patients(), patients(), mutated(patients()),
                                   scalars, any_json))
    target = _target(api.created, data.draw(st.integers(0, 99)), data.draw(tricky_text))
    condition = data.draw(search_queries) if data.draw(st.booleans()) else None
    header = data.draw(header_values)
    if data.draw(st.integers(0, 2)) == 0:
        if isinstance(resource, dict):
            resource["id"] = target
        response = api.send("PUT", f"/Patient/{quote(target, safe='', errors='surrogatepass')}",
                            resource, headers={"If-Match": header} if header else None)
    else:
        in_header = data.draw(st.booleans())
        response = api.send("POST", "/Patient", resource,
                            query=None if in_header else condition,
                            headers={"If-None-Exist": condition} if in_header and condition
                            else None)
    if response.status_code in (200, 201):
        api.read_back(response.json["id"])
    api.search_all_is_valid()


@given(data=st.data())
def test_any_bundle_is_processed_readably_or_refused_with_a_4xx(api, data):
    response = api.send("POST", "", data.draw(bundles(api.created)))
    if response.status_code == 200:
        Bundle.model_validate(response.json)
        for entry in response.json["entry"]:
            status = entry["response"]["status"]
            if status.startswith(("200", "201")):
                api.read_back(entry["response"]["location"].split("/")[1])
    api.search_all_is_valid()


@given(data=st.data())
def test_any_search_answers_a_valid_bundle_or_a_4xx(api, data):
    if not api.created:
        for number in SEEDED:
            created = api.send("POST", "/Patient", {
                "resourceType": "Patient", "identifier": [{"system": FNR_SYSTEM, "value": number}],
                "name": [{"use": "official", "family": "Nordmann", "given": ["Kari"]}]})
            api.read_back(created.json["id"])
    query = data.draw(search_queries)
    if data.draw(st.booleans()):
        response = api.send("GET", "/Patient", query=query)
    else:
        response = api.form("/Patient/_search", query)
    if response.status_code == 200:
        bundle = Bundle.model_validate(response.json)
        assert bundle.type == "searchset"


# --- the ultrasound types: Appointment, Observation, Schedule, Slot -----------------------

ORG_NUMBER_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.101"
WOMAN = national_id_for(date(1990, 4, 5), 7)


def mostly(valid: Any, other: st.SearchStrategy) -> st.SearchStrategy:
    """``valid`` four times in five, else something from ``other``: most documents are then
    valid but for a value or two, so that much of what is generated is stored."""
    return st.one_of(*[st.just(valid)] * 4, other)


instants = st.one_of(
    st.sampled_from(["2026-03-20T08:30:00+01:00", "2026-10-25T02:30:00+01:00",
                     "2026-10-25T02:30:00+02:00", "2026-03-29T02:30:00+01:00", "2026-03-20",
                     "2026-03-20T08:30:00", "0001-01-01T00:00:00+14:00",
                     "9999-12-31T23:59:59-14:00"]),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()), tricky_text)


@st.composite
def ultrasound_resources(draw, schedule_ids: list[str]) -> dict[str, Any]:
    """A valid Appointment, Observation, Schedule or Slot but for a few drawn values."""
    kind = draw(st.sampled_from(["Appointment", "Observation", "Schedule", "Slot"]))
    identifier = {"system": draw(mostly("urn:test", st.sampled_from(["", "urn:other"]))),
                  "value": draw(mostly(draw(st.sampled_from(["A-1", "A-2", "S-1", "T-1"])),
                                       tricky_text))}
    location = {"resourceType": "Location", "id": "loc", "name": draw(mostly("Ultralyd", names)),
                "address": {"line": [draw(mostly("Olav Kyrres gate 11", names))],
                            "postalCode": draw(mostly("7030", tricky_text)),
                            "city": draw(mostly("Trondheim", names))},
                "managingOrganization": {"identifier": {
                    "system": ORG_NUMBER_SYSTEM,
                    "value": draw(mostly("883974832", st.sampled_from(["974749025", "x"])))}}}
    service = {"coding": [{"code": draw(mostly(
        draw(st.sampled_from(["early-ultrasound", "routine-ultrasound"])), st.just("ct")))}]}
    start = draw(mostly("2026-03-20T08:30:00+01:00", instants))
    if kind == "Appointment":
        resource = {"resourceType": kind, "identifier": [identifier],
                    "status": draw(mostly("booked", st.sampled_from(
                        ["cancelled", "fulfilled", "noshow", "entered-in-error", "proposed"]))),
                    "serviceType": [service], "start": start,
                    "minutesDuration": draw(mostly(30, st.integers(-5, 700))),
                    "contained": [location],
                    "participant": [
                        {"actor": {"identifier": {"system": FNR_SYSTEM, "value": draw(
                            mostly(WOMAN, st.sampled_from(SEEDED)))}}, "status": "accepted"},
                        {"actor": {"reference": "#loc"}, "status": "accepted"}]}
        if draw(st.integers(0, 3)) == 0:
            resource["end"] = draw(instants)
    elif kind == "Observation":
        resource = {"resourceType": kind, "identifier": [identifier],
                    "status": draw(mostly("final", st.sampled_from(["amended", "preliminary"]))),
                    "code": {"coding": [{"system": "http://loinc.org",
                                         "code": draw(mostly("11778-8", st.just("8302-2")))}]},
                    "subject": {"identifier": {"system": FNR_SYSTEM, "value": WOMAN}},
                    "valueDateTime": draw(mostly("2026-09-10", st.one_of(
                        instants, st.dates().map(date.isoformat)))),
                    "effectiveDateTime": start}
    elif kind == "Schedule":
        resource = {"resourceType": kind, "identifier": [identifier], "serviceType": [service],
                    "contained": [location], "actor": [{"reference": "#loc"}]}
    else:
        schedule = _target(schedule_ids, draw(st.integers(0, 99)), draw(tricky_text))
        resource = {"resourceType": kind, "identifier": [identifier],
                    "schedule": {"reference": f"Schedule/{schedule}"},
                    "status": draw(mostly("free", st.sampled_from(
                        ["busy", "busy-unavailable", "busy-tentative"]))),
                    "start": start,
                    "end": draw(mostly("2026-03-20T09:00:00+01:00", instants))}
    return draw(st.one_of(st.just(resource), mutated(st.just(resource))))


ULTRASOUND_SEARCH = {
    "Appointment": ["patient", "patient.identifier", "date", "status", "service-type",
                    "identifier"],
    "Observation": ["patient", "patient.identifier", "date", "status", "code", "identifier"],
    "Schedule": ["identifier", "service-type", "active"],
    "Slot": ["schedule", "schedule.identifier", "status", "start", "service-type",
             "identifier"],
}


@pytest.fixture
def ultrasound_api(client, db, monkeypatch):
    from services.actors import Actor
    from services.people.identity import parse_national_id
    from services.people.service import add_organisation, register_person

    monkeypatch.setitem(client.application.config, "FHIR_RATE_LIMIT", "1000000/second")
    add_organisation(name="St. Olavs hospital HF", org_number="883974832")
    register_person(national_id=parse_national_id(WOMAN), given_name="Kari",
                    family_name="Nordmann", actor=Actor.operator("test"))
    return _Api(client, system_bearer(
        "system/Appointment.crus system/Observation.crus system/Schedule.crus "
        "system/Slot.crus"))


@given(data=st.data())
def test_any_ultrasound_resource_is_stored_readably_or_refused_with_a_4xx(ultrasound_api,
                                                                          data):
    api = ultrasound_api
    resource = data.draw(ultrasound_resources(api.created))
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    kind = kind if isinstance(kind, str) and kind in ULTRASOUND_SEARCH else "Appointment"
    how = data.draw(st.sampled_from(["create", "conditional-create", "conditional-update",
                                     "update"]))
    query = data.draw(st.one_of(search_queries, st.sampled_from(
        ["identifier=urn:test|A-1", "identifier=S-1", "identifier=T-1"])))
    if how == "create":
        response = api.send("POST", f"/{kind}", resource)
    elif how == "conditional-create":
        response = api.send("POST", f"/{kind}", resource, headers={"If-None-Exist": query})
    elif how == "conditional-update":
        response = api.send("PUT", f"/{kind}?{query}", resource)
    else:
        target = _target(api.created, data.draw(st.integers(0, 99)), data.draw(tricky_text))
        if isinstance(resource, dict):
            resource["id"] = target
        response = api.send("PUT", f"/{kind}/{quote(target, safe='', errors='surrogatepass')}",
                            resource)
    if response.status_code in (200, 201) and response.get_data():
        read = api.send("GET", f"/{kind}/{response.json['id']}")
        assert read.status_code == 200, read.json
        from fhir.resources.R4B import get_fhir_model_class

        get_fhir_model_class(kind).model_validate(read.json)
        if kind == "Schedule" and response.json["id"] not in api.created:
            api.created.append(response.json["id"])
    name = data.draw(st.sampled_from(ULTRASOUND_SEARCH[kind]))
    value = data.draw(st.one_of(date_values, token_values, tricky_text,
                                st.sampled_from([WOMAN, f"Patient/{WOMAN}", "Schedule/1"])))
    found = api.send("GET", f"/{kind}", query=urlencode([(name, value)],
                                                        errors="surrogatepass"))
    if found.status_code == 200:
        Bundle.model_validate(found.json)
