"""services/records/documents.py: her list (newest first, filters, counts), one document,
its content and versions, the tile's news, the staff lookup with its reason; each read
audited once, each hidden document absent from lists, counts and filter choices, and 404
(``DocumentNotFound``) when asked for by id."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.actors import Actor
from services.audit.models import AuditEvent
from services.clock import utcnow
from services.db import db
from services.people.models import Role
from services.people.staff_access import ReasonRequired
from services.records import documents
from services.records.documents import DocumentNotFound, Filters, InvalidFilter
from services.records.models import AccessQuestion, Document, DocumentKind, QuestionStatus
from tests.plugins.factories import make_organisation, make_person, make_staff
from tests.services.records.factories import make_block, make_document, remove_online_access


@pytest.fixture
def hospital(db, frozen_clock):
    return make_organisation()


@pytest.fixture
def other_hospital(db):
    return make_organisation(name="Helse Bergen HF", org_number="983974910")


@pytest.fixture
def patient(hospital):
    return make_person(given_name="Ingrid")


def _actor(person):
    return Actor.person(person.id)


def _titles(person, actor=None, filters=documents.NO_FILTERS):
    statement = documents.documents_statement(person_id=person.id, actor=actor or _actor(person),
                                              filters=filters)
    return [d.title for d in db.session.scalars(
        statement.order_by(Document.document_date.desc(), Document.id.desc()))]


def _audits(person, **where):
    statement = sa.select(AuditEvent).where(
        AuditEvent.subject_person_id == person.id,
        AuditEvent.resource_type.in_(("DocumentReference", "Binary")))
    for key, value in where.items():
        statement = statement.where(getattr(AuditEvent, key) == value)
    return list(db.session.scalars(statement.order_by(AuditEvent.id)))


def _day(days_ago: int) -> datetime:
    return utcnow() - timedelta(days=days_ago)


def test_her_documents_newest_first_without_what_she_may_not_see(patient, hospital):
    make_document(patient, hospital, title="Old", document_date=_day(30))
    make_document(patient, hospital, title="New", document_date=_day(1))
    make_document(patient, hospital, title="Withheld", withheld=True)
    make_document(patient, hospital, title="Next week", release_after=utcnow() + timedelta(7))
    make_document(patient, hospital, title="Error", status="entered-in-error")
    make_document(make_person(), hospital, title="Someone else's")
    assert _titles(patient) == ["New", "Old"]
    assert documents.holdings(person_id=patient.id, actor=_actor(patient)).total == 2
    assert [o.id for o in documents.organisations_of(person_id=patient.id,
                                                     actor=_actor(patient))] == [hospital.id]


def test_released_at_the_moment_of_release_not_a_second_before(patient, hospital, frozen_clock):
    release = utcnow() + timedelta(hours=2)
    make_document(patient, hospital, title="Result", release_after=release)
    frozen_clock.move_to(release - timedelta(seconds=1))
    assert _titles(patient) == []
    frozen_clock.move_to(release)
    assert _titles(patient) == ["Result"]


def test_filters_by_type_organisation_dates_and_title_words(patient, hospital, other_hospital):
    make_document(patient, hospital, title="Epikrise hjerte", kind="discharge-summary",
                  document_date=datetime(2026, 2, 10, 12, tzinfo=UTC))
    make_document(patient, other_hospital, title="Blodprøver", kind="lab-report",
                  document_date=datetime(2026, 2, 20, 12, tzinfo=UTC))
    # 23.30 UTC on 28 February is 00.30 on 1 March in Norway.
    make_document(patient, hospital, title="Brev om time", kind="letter",
                  document_date=datetime(2026, 2, 28, 23, 30, tzinfo=UTC))
    assert _titles(patient, filters=Filters(kind=DocumentKind.LAB_REPORT)) == ["Blodprøver"]
    assert _titles(patient, filters=Filters(organisation_id=other_hospital.id)) == ["Blodprøver"]
    assert _titles(patient, filters=Filters(date_from=date(2026, 2, 20),
                                            date_to=date(2026, 2, 28))) == ["Blodprøver"]
    assert _titles(patient, filters=Filters(date_from=date(2026, 3, 1))) == ["Brev om time"]
    assert _titles(patient, filters=Filters(date_to=date(2026, 2, 10))) == ["Epikrise hjerte"]
    # The calendar's first and last days are periods too (they were a 500).
    assert len(_titles(patient, filters=Filters(date_from=date.min, date_to=date.max))) == 3
    assert _titles(patient, filters=Filters(text="EPIKRISE")) == ["Epikrise hjerte"]
    assert _titles(patient, filters=Filters(text="brev time")) == ["Brev om time"]
    assert _titles(patient, filters=Filters(text="brev hjerte")) == []
    assert documents.holdings(person_id=patient.id, actor=_actor(patient),
                              filters=Filters(text="e")).total == 3
    # The filter's choices stay every hospital she has documents from, whatever is chosen.
    chosen = documents.holdings(person_id=patient.id, actor=_actor(patient),
                                filters=Filters(organisation_id=other_hospital.id))
    assert chosen.total == 1
    assert {o.id for o in chosen.organisations} == {hospital.id, other_hospital.id}


def test_search_wildcards_are_plain_characters(patient, hospital):
    make_document(patient, hospital, title="Svar 100% normalt")
    make_document(patient, hospital, title="Svar normalt")
    make_document(patient, hospital, title="a_b")
    make_document(patient, hospital, title="axb")
    assert _titles(patient, filters=Filters(text="%")) == ["Svar 100% normalt"]
    assert _titles(patient, filters=Filters(text="a_b")) == ["a_b"]


def test_a_filter_that_cannot_be_applied_is_refused():
    with pytest.raises(InvalidFilter) as refused:
        Filters(date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))
    assert refused.value.field == "date_to"
    Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 1))  # one day: fine
    with pytest.raises(InvalidFilter):
        Filters(text="x" * (documents.MAX_QUERY + 1))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(text=st.text(max_size=documents.MAX_QUERY))
def test_any_search_text_is_safe(patient, hospital, text):
    try:
        filters = Filters(text=text)
    except InvalidFilter as refused:
        assert refused.field == "q" and not documents.is_searchable(text)
        return
    assert isinstance(_titles(patient, filters=filters), list)


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "tab\there", "\x7f", "\x9f"])
def test_control_characters_are_refused(text):
    with pytest.raises(InvalidFilter):
        Filters(text=text)
    Filters(text="Røntgen – høyre kne, 2. gang (svar)")  # letters and punctuation: fine


def test_one_audit_row_per_list_view(patient, hospital):
    for _ in range(3):
        make_document(patient, hospital)
    page = db.session.scalars(documents.documents_statement(
        person_id=patient.id, actor=_actor(patient))).all()
    documents.listed(person_id=patient.id, actor=_actor(patient), documents=page)
    rows = _audits(patient)
    assert [(r.action, r.resource_type, r.purpose, r.actor_id) for r in rows] == [
        ("search", "DocumentReference", "self-service", str(patient.id))]


def test_get_and_content_audited_and_hidden_ones_not_found(patient, hospital):
    shown = make_document(patient, hospital, content=b"<p>Hei</p>")
    withheld = make_document(patient, hospital, withheld=True)
    later = make_document(patient, hospital, release_after=utcnow() + timedelta(days=1))
    theirs = make_document(make_person(), hospital)
    got = documents.get_document(document_id=shown.id, person_id=patient.id,
                                 actor=_actor(patient))
    assert got.id == shown.id
    _, data = documents.content_of(document_id=shown.id, person_id=patient.id,
                                          actor=_actor(patient))
    assert data == b"<p>Hei</p>"
    assert [(r.action, r.resource_type, r.resource_id) for r in _audits(patient)] == [
        ("read", "DocumentReference", str(shown.id)), ("read", "Binary", str(shown.id))]
    for hidden in (withheld, later, theirs):
        with pytest.raises(DocumentNotFound):
            documents.get_document(document_id=hidden.id, person_id=patient.id,
                                   actor=_actor(patient))
        with pytest.raises(DocumentNotFound):
            documents.content_of(document_id=hidden.id, person_id=patient.id,
                                 actor=_actor(patient))
    with pytest.raises(DocumentNotFound):
        documents.get_document(document_id=2**31 - 1, person_id=patient.id,
                               actor=_actor(patient))
    assert len(_audits(patient)) == 2


def test_removed_online_access_hides_everything_from_her(patient, hospital):
    document = make_document(patient, hospital)
    remove_online_access(patient)
    assert _titles(patient) == []
    with pytest.raises(DocumentNotFound):
        documents.get_document(document_id=document.id, person_id=patient.id,
                               actor=_actor(patient))


def test_her_blocks_do_not_hide_anything_from_her(patient, hospital):
    document = make_document(patient, hospital, title="Blocked from sharing")
    make_block(patient, kind="document", document=document)
    make_block(patient, kind="everything")
    assert _titles(patient) == ["Blocked from sharing"]


def test_history_shows_the_versions_she_may_see(patient, hospital):
    first = make_document(patient, hospital, title="v1", status="superseded")
    second = make_document(patient, hospital, title="v2", status="superseded", replaces=first)
    third = make_document(patient, hospital, title="v3", replaces=second)
    history = documents.history_of(third, actor=_actor(patient))
    assert [d.title for d in history.earlier] == ["v2", "v1"]
    assert history.replaced_by is None
    middle = documents.history_of(second, actor=_actor(patient))
    assert [d.title for d in middle.earlier] == ["v1"]
    assert middle.replaced_by.id == third.id
    # A correction that is itself not yet released is not told of.
    hidden_fix = make_document(patient, hospital, title="v4", replaces=third,
                               release_after=utcnow() + timedelta(days=1))
    assert documents.history_of(third, actor=_actor(patient)).replaced_by is None
    assert documents.visible_among(person_id=patient.id, actor=_actor(patient),
                                   ids={first.id, hidden_fix.id}) == {first.id}


def test_an_earlier_version_withheld_from_her_is_not_shown(patient, hospital):
    withheld = make_document(patient, hospital, title="v1", status="superseded", withheld=True)
    fix = make_document(patient, hospital, title="v2", replaces=withheld)
    assert documents.history_of(fix, actor=_actor(patient)).earlier == []


def test_news_counts_new_documents_since_her_last_visit(patient, hospital, frozen_clock):
    make_document(patient, hospital, title="Long ago")  # created now = T0
    frozen_clock.shift(timedelta(days=31))
    news = documents.news_for(person_id=patient.id, actor=_actor(patient))
    assert (news.new_documents, news.unseen_answers) == (0, 0)  # older than 30 days
    assert news.latest is not None
    make_document(patient, hospital, title="New")
    make_document(patient, hospital, title="Withheld", withheld=True)
    assert documents.news_for(person_id=patient.id, actor=_actor(patient)).new_documents == 1
    documents.listed(person_id=patient.id, actor=_actor(patient), documents=[])  # a visit
    frozen_clock.shift(timedelta(minutes=5))
    assert documents.news_for(person_id=patient.id, actor=_actor(patient)).new_documents == 0
    make_document(patient, hospital, title="Newer")
    assert documents.news_for(person_id=patient.id, actor=_actor(patient)).new_documents == 1
    assert _audits(patient, action="count")


def test_news_counts_answers_she_has_not_seen(patient, hospital):
    event = _audit_row(patient)
    for status, seen in ((QuestionStatus.ANSWERED, None), (QuestionStatus.ANSWERED, utcnow()),
                         (QuestionStatus.OPEN, None)):
        db.session.add(AccessQuestion(person_id=patient.id, audit_event_id=event,
                                      organisation_id=hospital.id, status=status,
                                      question="Hvorfor?", asked_by_person_id=patient.id,
                                      answer="Fordi." if status is QuestionStatus.ANSWERED
                                      else None, answer_seen_at=seen))
    db.session.commit()
    assert documents.news_for(person_id=patient.id, actor=_actor(patient)).unseen_answers == 1


def _audit_row(person) -> int:
    from services import audit

    row = audit.append(actor=Actor.system("x"), action="read", resource_type="Patient",
                       subject_person_id=person.id, purpose="treatment")
    db.session.commit()
    return row["id"]


def test_staff_need_a_reason_which_is_audited(patient, hospital, other_hospital):
    nurse = make_staff(hospital, Role.INFECTION_CONTROL)
    actor = Actor.staff(nurse.id, organisation_id=hospital.id)
    make_document(patient, hospital, title="Withheld from her", withheld=True)
    with pytest.raises(ReasonRequired):
        documents.staff_documents(person_id=patient.id, actor=actor, reason="kort")
    found = documents.staff_documents(person_id=patient.id, actor=actor,
                                      reason="Pasienten ringte om prøvesvar")
    assert [d.title for d in found] == ["Withheld from her"]  # staff see withheld ones
    rows = _audits(patient)
    assert [(r.actor_kind, r.action, r.purpose, r.reason) for r in rows] == [
        ("staff", "read", "treatment", "Pasienten ringte om prøvesvar")]


def test_staff_elsewhere_do_not_see_what_she_blocks(patient, hospital, other_hospital):
    blocked = make_document(patient, hospital, title="Blocked")
    make_document(patient, hospital, title="Shared")
    make_block(patient, kind="document", document=blocked)
    elsewhere = make_staff(other_hospital, Role.INFECTION_CONTROL)
    actor = Actor.staff(elsewhere.id, organisation_id=other_hospital.id)
    reason = "Innlagt akutt hos oss i natt"
    assert [d.title for d in documents.staff_documents(
        person_id=patient.id, actor=actor, reason=reason)] == ["Shared"]
    with pytest.raises(DocumentNotFound):
        documents.staff_document(document_id=blocked.id, actor=actor, reason=reason)
    named = make_staff(hospital, Role.INFECTION_CONTROL, name="Blokkert Lege")
    make_block(patient, kind="staff", staff=named)
    assert documents.staff_documents(person_id=patient.id, reason=reason, actor=Actor.staff(
        named.id, organisation_id=hospital.id)) == []


def test_staff_cannot_use_the_citizen_functions(patient, hospital):
    document = make_document(patient, hospital)
    nurse = make_staff(hospital, Role.INFECTION_CONTROL)
    with pytest.raises(ValueError):
        documents.get_document(document_id=document.id, person_id=patient.id,
                               actor=Actor.staff(nurse.id, organisation_id=hospital.id))
