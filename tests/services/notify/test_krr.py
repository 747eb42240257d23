"""The KRR adapter against the loopback stand-in: real HTTP, every answer KRR can give."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from services.notify.krr import (
    NOT_REGISTERED,
    HttpContactRegister,
    KrrEntry,
    KrrUnavailable,
    NoContactRegister,
    configure_krr,
    contact_register,
)
from services.outbox import TemporaryFailure
from tests.standins.krr import KrrServer

FNR = "15068512345"  # shape only: the adapter does not check digits


@pytest.fixture
def krr():
    with KrrServer() as server:
        yield server


def _lookup(krr, number=FNR, **kwargs):
    return HttpContactRegister(url=krr.url, **kwargs).lookup(number)


def test_the_request_is_the_personer_lookup_with_the_number_in_the_body(krr):
    _lookup(krr)
    assert krr.requests == [{"personidentifikatorer": [FNR]}]


def test_an_active_person_who_may_be_notified_has_her_contacts(krr):
    krr.add(FNR, mobile="+4791234567", email="kari@example.no")
    assert _lookup(krr) == KrrEntry(reserved=False, mobile="+4791234567",
                                    email="kari@example.no")


def test_a_reserved_person_is_reserved_and_has_no_contacts(krr):
    krr.add(FNR, reserved=True, mobile="+4791234567", email="kari@example.no")
    assert _lookup(krr) == KrrEntry(reserved=True)


@pytest.mark.parametrize("status", ["SLETTET", "IKKE_REGISTRERT"])
def test_a_person_not_active_has_no_contacts(krr, status):
    krr.add(FNR, status=status)
    assert _lookup(krr) == NOT_REGISTERED


def test_contacts_that_may_not_be_used_for_notices_are_not_used(krr):
    krr.add(FNR, mobile="+4791234567", can_notify=False)
    assert _lookup(krr) == KrrEntry(reserved=False)


def test_someone_krr_does_not_know(krr):
    assert _lookup(krr) == NOT_REGISTERED


def test_an_answer_about_someone_else_is_not_taken(krr):
    krr.fail_next.append((200, {"Content-Type": "application/json"},
                          b'{"personer": [{"personidentifikator": "01010112345", '
                          b'"reservasjon": "JA", "status": "AKTIV"}]}'))
    assert _lookup(krr) == NOT_REGISTERED


def test_blank_contacts_are_none(krr):
    krr.add(FNR, mobile=" ", email="kari@example.no")
    krr.people[FNR]["kontaktinformasjon"]["mobiltelefonnummer"] = "  "
    assert _lookup(krr) == KrrEntry(reserved=False, mobile=None, email="kari@example.no")


@pytest.mark.parametrize("code", [500, 502, 503, 401, 403, 400, 404])
def test_any_other_status_is_a_temporary_failure(krr, code):
    krr.fail_next.append(code)
    with pytest.raises(KrrUnavailable, match=str(code)) as failed:
        _lookup(krr)
    assert isinstance(failed.value, TemporaryFailure)
    assert FNR not in str(failed.value)


def test_429_carries_krrs_retry_after(krr):
    krr.fail_next.append((429, {"Retry-After": "120"}, b""))
    with pytest.raises(KrrUnavailable) as failed:
        _lookup(krr)
    assert failed.value.retry_after == timedelta(seconds=120)


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"personer": 3}',
                                  b'{"personer": ["x"]}', b"[]"])
def test_an_unreadable_answer_is_a_temporary_failure(krr, body):
    krr.fail_next.append((200, {"Content-Type": "application/json"}, body))
    with pytest.raises(KrrUnavailable, match="unreadable"):
        _lookup(krr)


def test_a_person_entry_that_is_not_an_object_is_unreadable(krr):
    krr.fail_next.append((200, {}, ('{"personer": [["' + FNR + '"]]}').encode()))
    with pytest.raises(KrrUnavailable):
        _lookup(krr)


def test_a_slow_krr_times_out(krr):
    krr.delay = 0.5
    with pytest.raises(KrrUnavailable, match="unreachable"):
        _lookup(krr, timeout=(0.2, 0.2))


def test_no_krr_listening_is_a_temporary_failure():
    with KrrServer() as server:
        url = server.url
    with pytest.raises(KrrUnavailable, match="unreachable"):
        HttpContactRegister(url=url, timeout=(0.5, 0.5)).lookup(FNR)


def test_the_number_is_never_logged(krr, caplog):
    caplog.set_level(logging.DEBUG)
    krr.add(FNR, mobile="+4791234567")
    _lookup(krr)
    krr.fail_next.append(503)
    with pytest.raises(KrrUnavailable):
        _lookup(krr)
    assert FNR not in caplog.text


def test_without_a_url_nobody_is_reserved_and_nothing_is_known(app):
    configure_krr(url=None)
    assert isinstance(contact_register(), NoContactRegister)
    assert contact_register().lookup(FNR) == NOT_REGISTERED
    configure_krr(url="http://127.0.0.1:9")
    assert contact_register() == HttpContactRegister(url="http://127.0.0.1:9")
