"""Who may call what: every endpoint of the app against every kind of caller.

``test_every_endpoint_is_in_the_matrix`` walks the URL map, so a new route without an
entry here fails the suite. Each row states, per caller, the status the caller gets when
it tries the endpoint on the *subject* that caller relates to: the citizen themself, a
child, a fullmakt giver ... Existence is not leaked: a person one may not act for is 404.
"""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from services import audit
from services.actors import Actor
from services.clock import utcnow
from services.notify.paper import record_paper
from services.outbox.models import OutboxMessage, OutboxStatus
from services.people.identity import FNR_SYSTEM
from services.people.models import Area, Fullmakt, Role
from services.people.service import record_guardianship
from services.records.models import AccessQuestion, Block, BlockKind, ExportStatus, RecordExport
from services.sessions.service import SessionKind, start_session
from services.ultrasound.consent import INFORMATION_VERSION
from services.ultrasound.models import ChangeReason, ChangeRequest, Service
from services.wound import answers, photos
from services.wound.models import AnswerChannel, CaseState
from tests.plugins.factories import (
    make_organisation,
    make_person,
    make_staff,
    national_id_for,
    system_bearer,
)
from tests.plugins.login import set_session_cookie
from tests.plugins.twilio import twilio_config
from tests.services.records.factories import make_block, make_document
from tests.services.ultrasound.factories import make_appointment, make_schedule, make_slot
from tests.services.wound.answering import response as wound_response
from tests.services.wound.factories import make_case
from tests.services.wound.images import png as wound_png

CALLERS = (
    "anonymous", "self", "other_citizen", "parent_under_12", "parent_of_14",
    "expired_fullmakt", "staff_same_org", "staff_other_org", "staff_admin", "system_with_scope",
    "system_without_scope",
)
CITIZENS = CALLERS[1:6]
STAFF = ("staff_same_org", "staff_other_org", "staff_admin")
SYSTEMS = ("system_with_scope", "system_without_scope")


def row(default: int, **overrides: int) -> dict[str, int]:
    unknown = set(overrides) - set(CALLERS)
    assert not unknown, unknown
    return {caller: overrides.get(caller, default) for caller in CALLERS}


def each(callers, status: int) -> dict[str, int]:
    return dict.fromkeys(callers, status)


def RECORD_OWNERS(status: int) -> dict[str, int]:
    """Callers whose subject's record it is and whose representation covers records get
    ``status``; the rest of the citizens 404: another citizen, an expired fullmakt (acting
    for herself) and the parent of a 14-year-old (the record is the child's own)."""
    return {**each(CITIZENS, status), "other_citizen": 404, "expired_fullmakt": 404,
            "parent_of_14": 404}


def SCAN_OWNERS(status: int) -> dict[str, int]:
    """Callers whose subject's scan it is (self, and parents acting for their child) get
    ``status``; another citizen, and one whose fullmakt has expired (acting for herself),
    get 404."""
    return {**each(CITIZENS, status), "other_citizen": 404, "expired_fullmakt": 404}


def RECORD_SUBJECTS(status: int) -> dict[str, int]:
    """Callers whose representation covers the subject's record get ``status``; the parent
    of a 14-year-old (records are the child's own from 12) 403."""
    return {**each(CITIZENS, status), "parent_of_14": 403}


def HERSELF(status: int) -> dict[str, int]:
    """Callers acting for themselves get ``status``; parents acting for a child 403."""
    return {**each(CITIZENS, status), "parent_under_12": 403, "parent_of_14": 403}
def LOG_OWNERS(status: int) -> dict[str, int]:
    """As ``SCAN_OWNERS``, but the record is a 12–15-year-old's own: their parent is
    refused (403) before any entry is looked up."""
    return {**SCAN_OWNERS(status), "parent_of_14": 403}


#: (endpoint, method) -> (path template, body kind, expected status per caller).
#: ``{subject}`` is the id of the person the caller relates to; ``{org}`` the staff's trust;
#: ``{message}`` a dead SMS and ``{letter}`` a paper letter from that trust.
MATRIX = {
    ("home.front_page", "GET"): ("/", None, row(200)),
    ("home.citizen_home", "GET"): ("/min-side", None, row(302, **each(CITIZENS, 200))),
    ("home.staff_home", "GET"): ("/staff", None, row(302, **each(STAFF, 200))),
    ("site.contact", "GET"): ("/contact", None, row(200)),
    ("site.privacy", "GET"): ("/privacy", None, row(200)),
    ("site.accessibility", "GET"): ("/accessibility", None, row(200)),
    ("ops.healthz", "GET"): ("/healthz", None, row(200)),
    ("ops.readyz", "GET"): ("/readyz", None, row(200)),
    ("ops.metrics", "GET"): ("/metrics", None, row(200)),
    ("static", "GET"): ("/static/site.css", None, row(200)),
    ("oauth.jwks", "GET"): ("/.well-known/jwks.json", None, row(200)),
    # Client authentication is the client's own credentials, never a session or a token.
    ("oauth.token", "POST"): ("/oauth/token", "token-form", row(401)),
    ("auth.login", "GET"): ("/auth/login", None, row(302)),
    ("auth.staff_login", "GET"): ("/staff/auth/login", None, row(302)),
    # A callback that no login started is refused whoever calls it.
    ("auth.callback", "GET"): ("/auth/callback", None, row(400)),
    ("auth.staff_callback", "GET"): ("/staff/auth/callback", None, row(400)),
    ("auth.logged_out", "GET"): ("/auth/logged-out", None, row(200)),
    ("auth.staff_logged_out", "GET"): ("/staff/auth/logged-out", None, row(200)),
    ("auth.timed_out", "GET"): ("/auth/timed-out", None, row(200)),
    ("api.me", "GET"): ("/api/v1/me", None, row(401, **each(CITIZENS, 200))),
    ("api.document", "GET"): ("/api/v1/openapi.json", None, row(200)),
    ("auth.acting_for", "GET"): ("/acting-for", None, row(302, **each(CITIZENS, 200))),
    ("auth.choose_acting_for", "POST"): ("/acting-for", "acting-for", row(
        302, self=303, parent_under_12=303, parent_of_14=303, other_citizen=404,
        expired_fullmakt=404)),
    ("auth.staff_organisation", "GET"): ("/staff/auth/organisation", None, row(
        302, **each(STAFF, 200))),
    ("auth.choose_staff_organisation", "POST"): ("/staff/auth/organisation", "organisation",
                                                 row(302, staff_same_org=303,
                                                     staff_other_org=404, staff_admin=303)),
    ("devidp.discovery", "GET"): ("/dev-idp/.well-known/openid-configuration", None, row(200)),
    ("devidp.jwks", "GET"): ("/dev-idp/jwks", None, row(200)),
    ("devidp.authorize", "GET"): ("/dev-idp/authorize", None, row(400)),
    ("devidp.authorize", "POST"): ("/dev-idp/authorize", None, row(400)),
    ("devidp.token", "POST"): ("/dev-idp/token", None, row(401)),
    ("devidp.end_session", "GET"): ("/dev-idp/endsession", None, row(200)),
    ("fhir.metadata", "GET"): ("/fhir/R4/metadata", None, row(200)),
    ("fhir.read", "GET"): ("/fhir/R4/Patient/{subject}", None, row(
        401, system_with_scope=200, system_without_scope=403)),
    ("fhir.search", "GET"): ("/fhir/R4/Patient?_id={subject}", None, row(
        401, system_with_scope=200, system_without_scope=403)),
    ("fhir.search", "POST"): ("/fhir/R4/Patient/_search", "search-form", row(
        401, system_with_scope=200, system_without_scope=403)),
    ("fhir.create", "POST"): ("/fhir/R4/Patient", "patient", row(
        401, system_with_scope=201, system_without_scope=403)),
    ("fhir.update", "PUT"): ("/fhir/R4/Patient/{subject}", "patient-update", row(
        401, system_with_scope=200, system_without_scope=403)),
    ("fhir.conditional_update", "PUT"): ("/fhir/R4/Patient?_id={subject}", "patient-update",
                                         row(401, system_with_scope=200,
                                             system_without_scope=403)),
    # Published terminology, public like the CapabilityStatement.
    ("fhir.code_system", "GET"): ("/fhir/R4/CodeSystem/ultrasound-service", None, row(200)),
    ("fhir.structure_definition", "GET"): ("/fhir/R4/StructureDefinition/asa-class", None,
                                           row(200)),
    ("fhir.structure_definitions", "GET"): ("/fhir/R4/StructureDefinition", None, row(200)),
    ("fhir.questionnaire", "GET"): ("/fhir/R4/Questionnaire/wound-infection-followup-1.0",
                                    None, row(200)),
    ("fhir.questionnaire_search", "GET"): ("/fhir/R4/Questionnaire", None, row(200)),
    # A batch answers per entry: the entry the token may not create is refused inside a
    # 200 (tests/citizen/fhir/test_scope_matrix.py checks each entry's own status).
    ("fhir.process_bundle", "POST"): ("/fhir/R4", "bundle", row(
        401, system_with_scope=200, system_without_scope=200)),
    ("fhir.process_bundle_slash", "POST"): ("/fhir/R4/", "bundle", row(
        401, system_with_scope=200, system_without_scope=200)),
    # Notification settings of whom the caller acts for (the acting-for row above chose the
    # child): a parent of a 14-year-old may not manage them, and is told so on the page.
    # The form first, as it names the version the API's PUT then moves on.
    ("notifications.settings_page", "GET"): ("/settings/notifications", None, row(
        302, **each(CITIZENS, 200))),
    ("notifications.save_settings", "POST"): ("/settings/notifications", "settings-form", row(
        302, **{**each(CITIZENS, 303), "parent_of_14": 403})),
    ("api.get_settings", "GET"): ("/api/v1/notification-settings", None, row(
        401, **{**each(CITIZENS, 200), "parent_of_14": 403})),
    ("api.put_settings", "PUT"): ("/api/v1/notification-settings", "settings-json", row(
        401, **{**each(CITIZENS, 200), "parent_of_14": 403})),
    ("api.preview", "GET"): ("/api/v1/notification-settings/preview", None, row(
        401, **{**each(CITIZENS, 200), "parent_of_14": 403})),
    # Administrators only; staff without the role are known staff, refused (not hidden).
    ("notifications.outbox", "GET"): ("/staff/notifications/outbox", None, row(
        302, staff_same_org=403, staff_other_org=403, staff_admin=200)),
    ("notifications.resend", "POST"): ("/staff/notifications/outbox/{message}/resend", None,
                                       row(302, staff_same_org=403, staff_other_org=403,
                                           staff_admin=303)),
    ("notifications.letters", "GET"): ("/staff/notifications/letters", None, row(
        302, staff_same_org=403, staff_other_org=403, staff_admin=200)),
    ("notifications.letter_sent", "POST"): ("/staff/notifications/letters/{letter}/sent", None,
                                            row(302, staff_same_org=403, staff_other_org=403,
                                                staff_admin=303)),
    # The ultrasound clinic: staff_same_org and staff_other_org hold the clinic role, each at
    # their own hospital (the other one's lists are its own, empty); {change_request},
    # {clinic_scan} and {slot} are the first hospital's, so the other's staff get 404.
    # The NOIS-POSI export: staff_same_org and staff_other_org hold the infection-control
    # role, each exporting their own hospital's operations; the admin has not the role.
    ("wound_staff.exports", "GET"): ("/staff/ssi/exports", None, row(
        302, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    ("wound_staff.exports_download", "GET"): (
        "/staff/ssi/exports/download?tertial=2026-1&format=csv", None,
        row(302, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    ("api.wound_staff_exports", "GET"): (
        "/api/v1/staff/ssi/exports?tertial=2026-1&format=csv", None,
        row(401, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    # Surveillance statistics: each infection-control member sees their own hospital's.
    ("wound_staff.statistics", "GET"): ("/staff/ssi/statistics", None, row(
        302, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    ("wound_staff.statistics_csv", "GET"): ("/staff/ssi/statistics.csv", None, row(
        302, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    ("wound_staff.statistics_pdf", "GET"): ("/staff/ssi/statistics.pdf", None, row(
        302, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    ("api.ssi_statistics", "GET"): ("/api/v1/staff/ssi/statistics", None, row(
        401, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    ("api.ssi_statistics_csv", "GET"): ("/api/v1/staff/ssi/statistics.csv", None, row(
        401, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    ("ultrasound_staff.requests", "GET"): ("/staff/ultrasound/requests", None, row(
        302, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    ("ultrasound_staff.handle_request", "POST"): (
        "/staff/ultrasound/requests/{change_request}/handled", None,
        row(302, staff_same_org=303, staff_other_org=404, staff_admin=403)),
    ("ultrasound_staff.cancellations", "GET"): ("/staff/ultrasound/cancellations", None, row(
        302, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    ("ultrasound_staff.cancel_page", "GET"): (
        "/staff/ultrasound/appointments/{clinic_scan}/cancel", None,
        row(302, staff_same_org=200, staff_other_org=404, staff_admin=403)),
    ("ultrasound_staff.consents", "GET"): ("/staff/ultrasound/consents", None, row(
        302, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    ("ultrasound_staff.slots", "GET"): ("/staff/ultrasound/slots", None, row(
        302, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    ("ultrasound_staff.add_slot", "POST"): ("/staff/ultrasound/slots", "slot-form", row(
        302, staff_same_org=303, staff_other_org=404, staff_admin=403)),
    ("ultrasound_staff.close_slot", "POST"): ("/staff/ultrasound/slots/{slot}/close", None,
                                              row(302, staff_same_org=303,
                                                  staff_other_org=404, staff_admin=403)),
    ("ultrasound_staff.cancel", "POST"): (
        "/staff/ultrasound/appointments/{clinic_scan}/cancel", "cancel-form",
        row(302, staff_same_org=303, staff_other_org=404, staff_admin=403)),
    # Development only (DEV_FEATURES, on in tests): console messages, for whoever runs it.
    ("dev_messages.messages", "GET"): ("/dev/messages", None, row(200)),
    # Pregnancy ultrasound: {appointment} (pages) and {api_appointment} (API) are scans of
    # the caller's subject; another citizen's are 404, and a representative sees them only
    # where the representation covers appointments. The consent is hers alone (403 for a
    # parent). The subjects have no due date: moving and listing slots are 409 for those
    # who may. Cancelling comes last, as it changes the scan.
    ("ultrasound.overview", "GET"): ("/appointments", None, row(302, **each(CITIZENS, 200))),
    ("ultrasound.scan", "GET"): ("/appointments/{appointment}", None, row(
        302, **SCAN_OWNERS(200))),
    ("ultrasound.cancel_page", "GET"): ("/appointments/{appointment}/cancel", None, row(
        302, **SCAN_OWNERS(200))),
    ("ultrasound.rebook_page", "GET"): ("/appointments/{appointment}/move", None, row(
        302, **SCAN_OWNERS(200))),
    ("ultrasound.change_page", "GET"): ("/appointments/{appointment}/change-request", None,
                                        row(302, **SCAN_OWNERS(200))),
    ("ultrasound.consent_page", "GET"): ("/pregnancy/consent", None, row(
        302, **each(CITIZENS, 200))),
    ("ultrasound.decide_consent", "POST"): ("/pregnancy/consent", "consent-form", row(
        302, **{**each(CITIZENS, 303), "parent_under_12": 403, "parent_of_14": 403})),
    ("ultrasound.report_page", "GET"): ("/pregnancy/report", None, row(
        302, **each(CITIZENS, 200))),
    ("ultrasound.report", "POST"): ("/pregnancy/report", "report-form", row(
        302, **each(CITIZENS, 303))),
    ("ultrasound.rebook", "POST"): ("/appointments/{appointment}/move", "rebook-form", row(
        302, **SCAN_OWNERS(409))),
    ("ultrasound.change", "POST"): ("/appointments/{appointment}/change-request",
                                    "change-form", row(302, **SCAN_OWNERS(303))),
    ("ultrasound.cancel", "POST"): ("/appointments/{appointment}/cancel", "cancel-form", row(
        302, **SCAN_OWNERS(303))),
    ("api.list_appointments", "GET"): ("/api/v1/appointments", None, row(
        401, **each(CITIZENS, 200))),
    ("api.get_appointment", "GET"): ("/api/v1/appointments/{api_appointment}", None, row(
        401, **SCAN_OWNERS(200))),
    ("api.appointment_calendar", "GET"): ("/api/v1/appointments/{api_appointment}/calendar.ics",
                                          None, row(401, **SCAN_OWNERS(200))),
    ("api.appointment_letter", "GET"): ("/api/v1/appointments/{api_appointment}/letter.pdf",
                                        None, row(401, **SCAN_OWNERS(200))),
    ("api.list_slots", "GET"): ("/api/v1/slots?appointment={api_appointment}", None, row(
        401, **SCAN_OWNERS(409))),
    ("api.get_consent", "GET"): ("/api/v1/pregnancy/consent", None, row(
        401, **each(CITIZENS, 200))),
    ("api.post_consent", "POST"): ("/api/v1/pregnancy/consent", "consent-json", row(
        401, **{**each(CITIZENS, 200), "parent_under_12": 403, "parent_of_14": 403})),
    ("api.rebook_appointment", "POST"): ("/api/v1/appointments/{api_appointment}/rebook",
                                         "rebook-json", row(401, **SCAN_OWNERS(409))),
    ("api.request_change", "POST"): ("/api/v1/appointments/{api_appointment}/change-request",
                                     "change-json", row(401, **SCAN_OWNERS(201))),
    ("api.cancel_appointment", "POST"): ("/api/v1/appointments/{api_appointment}/cancel",
                                         "cancel-json", row(401, **SCAN_OWNERS(200))),
    # My record: blocks, online access and the consent history are of the subject when
    # the representation covers records (a parent of a 14-year-old: 403); {block} is a block
    # of "self"'s, so anyone else's subject gets 404. Fullmakter are each person's own: a
    # parent acting for a child is refused (403) the proxies forms; {fullmakt} is the
    # expired one, whose giver no caller is (404). The number given is not valid (422).
    ("records_privacy.privacy_page", "GET"): ("/records/privacy", None, row(
        302, **RECORD_SUBJECTS(200))),
    ("records_privacy.add_block", "POST"): ("/records/privacy/blocks", "block-form", row(
        302, **RECORD_SUBJECTS(303))),
    ("records_privacy.lift_block", "POST"): ("/records/privacy/blocks/{block}/lift", None, row(
        302, **{**RECORD_SUBJECTS(404), "self": 303})),
    ("records_privacy.online_access", "POST"): ("/records/privacy/online-access",
                                                "online-access-form",
                                                row(302, **RECORD_SUBJECTS(303))),
    ("records_privacy.consent_history_page", "GET"): ("/records/consent-history", None, row(
        302, **RECORD_SUBJECTS(200))),
    ("records_privacy.consent_history_csv", "GET"): ("/records/consent-history.csv", None,
                                                     row(302, **RECORD_SUBJECTS(200))),
    ("records_privacy.consent_history_json", "GET"): ("/records/consent-history.json", None,
                                                      row(302, **RECORD_SUBJECTS(200))),
    ("records_proxies.proxies_page", "GET"): ("/records/proxies", None, row(
        302, **each(CITIZENS, 200))),
    ("records_proxies.give", "POST"): ("/records/proxies", "fullmakt-form", row(
        302, **HERSELF(422))),
    ("records_proxies.revoke", "POST"): ("/records/proxies/{fullmakt}/revoke", None, row(
        302, **HERSELF(404))),
    # Nobody here is 12 to 15: the choice is refused (409).
    ("records_proxies.parents", "POST"): ("/records/proxies/parents", "parents-form", row(
        302, **HERSELF(409))),
    ("api.list_blocks", "GET"): ("/api/v1/blocks", None, row(401, **RECORD_SUBJECTS(200))),
    ("api.post_block", "POST"): ("/api/v1/blocks", "block-json", row(
        401, **RECORD_SUBJECTS(201))),
    ("api.delete_block", "DELETE"): ("/api/v1/blocks/{block}", "empty-json", row(
        401, **{**RECORD_SUBJECTS(404), "self": 200})),
    ("api.consent_history_list", "GET"): ("/api/v1/consent-history", None, row(
        401, **RECORD_SUBJECTS(200))),
    ("api.list_proxies", "GET"): ("/api/v1/proxies", None, row(401, **HERSELF(200))),
    ("api.post_proxy", "POST"): ("/api/v1/proxies", "fullmakt-json", row(401, **HERSELF(422))),
    ("api.delete_proxy", "DELETE"): ("/api/v1/proxies/{fullmakt}", "empty-json", row(
        401, **HERSELF(404))),
    # My record, the export: {export} is a ready export "self" asked for of her own record;
    # it is only hers (404 to every other citizen; the parent of a 14-year-old is refused
    # the API first: 403).
    ("records_exports.page", "GET"): ("/records/export", None, row(
        302, **RECORD_SUBJECTS(200))),
    ("records_exports.start", "POST"): ("/records/export", None, row(
        302, **RECORD_SUBJECTS(303))),
    ("records_exports.status", "GET"): ("/records/export/{export}", None, row(
        302, **{**each(CITIZENS, 404), "self": 200})),
    ("records_exports.download_pdf", "GET"): ("/records/export/{export}/record.pdf", None,
                                              row(302, **{**each(CITIZENS, 404), "self": 200})),
    ("records_exports.download_bundle", "GET"): ("/records/export/{export}/record.json", None,
                                                 row(302, **{**each(CITIZENS, 404),
                                                             "self": 200})),
    ("api.start_export", "POST"): ("/api/v1/exports", "empty-json", row(
        401, **RECORD_SUBJECTS(202))),
    ("api.get_export", "GET"): ("/api/v1/exports/{export}", None, row(
        401, **{**each(CITIZENS, 404), "self": 200, "parent_of_14": 403})),
    ("api.export_pdf", "GET"): ("/api/v1/exports/{export}/pdf", None, row(
        401, **{**each(CITIZENS, 404), "self": 200, "parent_of_14": 403})),
    ("api.export_bundle", "GET"): ("/api/v1/exports/{export}/bundle", None, row(
        401, **{**each(CITIZENS, 404), "self": 200, "parent_of_14": 403})),
    # My record, documents: {document} is a document of the caller's subject. The list is
    # the subject's (another citizen's is her own, empty); a parent of a 14-year-old is
    # told the representation does not cover the record (403), and every document of the
    # child is 404 to them.
    ("records_documents.document_list", "GET"): ("/records", None, row(
        302, **{**each(CITIZENS, 200), "parent_of_14": 403})),
    ("records_documents.document_page", "GET"): ("/records/documents/{document}", None, row(
        302, **RECORD_OWNERS(200))),
    ("records_documents.document_pdf", "GET"): ("/records/documents/{document}/document.pdf",
                                                None, row(302, **RECORD_OWNERS(200))),
    ("api.list_documents", "GET"): ("/api/v1/documents", None, row(
        401, **{**each(CITIZENS, 200), "parent_of_14": 403})),
    ("api.get_document", "GET"): ("/api/v1/documents/{document}", None, row(
        401, **RECORD_OWNERS(200))),
    ("api.document_content", "GET"): ("/api/v1/documents/{document}/content", None, row(
        401, **RECORD_OWNERS(200))),
    ("api.document_pdf", "GET"): ("/api/v1/documents/{document}/pdf", None, row(
        401, **RECORD_OWNERS(200))),
    # Staff reading a patient's record, with a reason: clinicians of any hospital;
    # {staff_document} is the first hospital's, blocked from sharing by the patient, so
    # the other hospital's staff do not find it. Administrators are refused.
    ("records_staff_documents.lookup_page", "GET"): ("/staff/records", None, row(
        302, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    ("records_staff_documents.lookup", "POST"): ("/staff/records", "staff-lookup", row(
        302, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    ("records_staff_documents.document_page", "POST"): (
        "/staff/records/documents/{staff_document}", "staff-reason",
        row(302, staff_same_org=200, staff_other_org=404, staff_admin=403)),
    ("records_staff_documents.document_pdf", "POST"): (
        "/staff/records/documents/{staff_document}/document.pdf", "staff-reason",
        row(302, staff_same_org=200, staff_other_org=404, staff_admin=403)),
    # My record, who has seen it: {access_entry} (pages) and {api_access_entry} (API) are
    # entries of the caller's subject's access log (a staff member's read). Asking comes
    # after the pages that show the entry, as it adds a question.
    ("records_access_log.index", "GET"): ("/records/access-log", None, row(
        302, **{**each(CITIZENS, 200), "parent_of_14": 403})),
    ("records_access_log.ask_page", "GET"): ("/records/access-log/{access_entry}/question",
                                             None, row(302, **LOG_OWNERS(200))),
    ("records_access_log.ask", "POST"): ("/records/access-log/{access_entry}/question",
                                         "question-form", row(302, **LOG_OWNERS(303))),
    ("api.list_access_log", "GET"): ("/api/v1/access-log", None, row(
        401, **{**each(CITIZENS, 200), "parent_of_14": 403})),
    ("api.ask_about_entry", "POST"): ("/api/v1/access-log/{api_access_entry}/questions",
                                      "question-json", row(401, **LOG_OWNERS(201))),
    # Records officers only; the staff here hold other roles, so all are refused (the
    # officers' own-organisation rule: tests/citizen/records_staff/test_question_pages.py).
    ("records_staff_questions.questions", "GET"): ("/staff/records/questions", None, row(
        302, **each(STAFF, 403))),
    ("records_staff_questions.question", "GET"): ("/staff/records/questions/{question}", None,
                                                  row(302, **each(STAFF, 403))),
    ("records_staff_questions.answer", "POST"): ("/staff/records/questions/{question}/answer",
                                                 "answer-form", row(302, **each(STAFF, 403))),
    # Wound follow-up: {questionnaire} is an open case of the caller's subject (invited);
    # another citizen's and a giver's whose fullmakt expired are 404. A parent of a
    # 14-year-old keeps questionnaires (they are one of the two areas left). The final
    # answer goes first, so the photo after it is taken and the receipts exist.
    ("api.list_questionnaires", "GET"): ("/api/v1/questionnaires", None, row(
        401, **each(CITIZENS, 200))),
    ("api.get_questionnaire", "GET"): ("/api/v1/questionnaires/{questionnaire}", None, row(
        401, **SCAN_OWNERS(200))),
    ("api.post_questionnaire_answer", "POST"): (
        "/api/v1/questionnaires/{questionnaire}/answers", "answer-json",
        row(401, **SCAN_OWNERS(201))),
    ("api.post_questionnaire_photo", "POST"): (
        "/api/v1/questionnaires/{questionnaire}/photo", "photo", row(401, **SCAN_OWNERS(201))),
    ("api.questionnaire_receipt", "GET"): ("/api/v1/questionnaires/{questionnaire}/receipt.pdf",
                                           None, row(401, **SCAN_OWNERS(200))),
    ("wound_receipt.receipt", "GET"): ("/questionnaires/{questionnaire}/receipt.pdf", None,
                                       row(302, **SCAN_OWNERS(200))),
    # Wound follow-up: {wound_case} is an open questionnaire of the caller's subject, and
    # {wound_answered} one answered; another citizen's, and the fullmakt giver's once the
    # fullmakt has expired, are 404. Parents of a 14-year-old still act in questionnaires.
    # "Later" saves an empty draft; sending it then lacks every required answer (422).
    ("wound.questionnaire_list", "GET"): ("/questionnaires", None, row(
        302, **each(CITIZENS, 200))),
    ("wound.questionnaire", "GET"): ("/questionnaires/{wound_case}", None, row(
        302, **SCAN_OWNERS(200))),
    ("wound.page", "GET"): ("/questionnaires/{wound_case}/pages/1", None, row(
        302, **SCAN_OWNERS(200))),
    ("wound.review", "GET"): ("/questionnaires/{wound_case}/review", None, row(
        302, **SCAN_OWNERS(200))),
    ("wound.receipt", "GET"): ("/questionnaires/{wound_answered}/receipt", None, row(
        302, **SCAN_OWNERS(200))),
    ("wound.save_page", "POST"): ("/questionnaires/{wound_case}/pages/1", "wound-later",
                                  row(302, **SCAN_OWNERS(303))),
    ("wound.add_photo", "POST"): ("/questionnaires/{wound_case}/photo", "wound-photo",
                                  row(302, **SCAN_OWNERS(303))),
    ("wound.submit", "POST"): ("/questionnaires/{wound_case}/review", "wound-send", row(
        302, **SCAN_OWNERS(422))),
    # Wound surveillance: infection-control staff of the case's hospital only (for staff
    # callers {wound_case} is an invited case at trust: not ready to classify).
    ("wound_staff.classification", "GET"): ("/staff/ssi/cases/{wound_case}/classification",
                                            None, row(302, staff_same_org=200,
                                                      staff_other_org=404, staff_admin=403)),
    ("wound_staff.classify", "POST"): ("/staff/ssi/cases/{wound_case}/classification", None,
                                       row(302, staff_same_org=422, staff_other_org=404,
                                           staff_admin=403)),
    ("api.wound_staff_classification", "GET"): (
        "/api/v1/staff/ssi/cases/{wound_case}/classification", None,
        row(401, staff_same_org=200, staff_other_org=404, staff_admin=403)),
    # The worklist and the case: each nurse sees her own hospital's list (the other one's is
    # empty); the case and its photo are the first hospital's. An empty form is refused
    # (422) once the case is found.
    ("wound_staff.worklist", "GET"): ("/staff/ssi/worklist", None, row(
        302, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    ("wound_staff.case", "GET"): ("/staff/ssi/cases/{wound_case}", None, row(
        302, staff_same_org=200, staff_other_org=404, staff_admin=403)),
    ("wound_staff.move", "POST"): ("/staff/ssi/cases/{wound_case}/moves", None, row(
        302, staff_same_org=422, staff_other_org=404, staff_admin=403)),
    ("wound_staff.note", "POST"): ("/staff/ssi/cases/{wound_case}/notes", None, row(
        302, staff_same_org=422, staff_other_org=404, staff_admin=403)),
    ("wound_staff.call", "POST"): ("/staff/ssi/cases/{wound_case}/calls", None, row(
        302, staff_same_org=422, staff_other_org=404, staff_admin=403)),
    ("wound_staff.phone_answer", "GET"): ("/staff/ssi/cases/{wound_case}/phone-answer", None,
                                          row(302, staff_same_org=200, staff_other_org=404,
                                              staff_admin=403)),
    ("wound_staff.save_phone_answer", "POST"): (
        "/staff/ssi/cases/{wound_case}/phone-answer", None,
        row(302, staff_same_org=422, staff_other_org=404, staff_admin=403)),
    ("wound_staff.photo", "GET"): (
        "/staff/ssi/cases/{wound_answered}/photos/{wound_photo}", None,
        row(302, staff_same_org=200, staff_other_org=404, staff_admin=403)),
    # The case is looked up before the body is read: another hospital's is 404 whatever
    # it says.
    ("api.wound_staff_classify", "PUT"): (
        "/api/v1/staff/ssi/cases/{wound_case}/classification", "empty-json",
        row(401, staff_same_org=422, staff_other_org=404, staff_admin=403)),
    # The worklist: each infection-control member sees their own hospital's (the other's
    # is empty). The case's moves, notes and calls are refused without changing it (a move
    # staff may not make, a stale version: 409) for the hospital's own staff, and 404 for
    # the other's. {wound_photo} is a photo of "self"'s {wound_answered} case.
    ("api.wound_staff_worklist", "GET"): ("/api/v1/staff/ssi/worklist", None, row(
        401, staff_same_org=200, staff_other_org=200, staff_admin=403)),
    ("api.wound_staff_case", "GET"): ("/api/v1/staff/ssi/cases/{wound_case}", None, row(
        401, staff_same_org=200, staff_other_org=404, staff_admin=403)),
    ("api.wound_staff_transition", "POST"): (
        "/api/v1/staff/ssi/cases/{wound_case}/transitions", "ssi-move-json",
        row(401, staff_same_org=409, staff_other_org=404, staff_admin=403)),
    ("api.wound_staff_note", "POST"): (
        "/api/v1/staff/ssi/cases/{wound_case}/notes", "ssi-note-json",
        row(401, staff_same_org=409, staff_other_org=404, staff_admin=403)),
    ("api.wound_staff_call", "POST"): (
        "/api/v1/staff/ssi/cases/{wound_case}/calls", "ssi-call-json",
        row(401, staff_same_org=409, staff_other_org=404, staff_admin=403)),
    ("api.wound_staff_photo", "GET"): (
        "/api/v1/staff/ssi/cases/{wound_answered}/photos/{wound_photo}", None,
        row(401, staff_same_org=200, staff_other_org=404, staff_admin=403)),
    # Authenticated by the sender's HMAC signature only; no caller here has it.
    ("helsenorge.receive_message", "POST"): ("/helsenorge/messages", "envelope", row(401)),
    # Authenticated by Twilio's signature (the auth token's HMAC) only; no caller has it.
    ("webhooks.twilio_status", "POST"): ("/webhooks/twilio/status", "twilio-status", row(403)),
    ("webhooks.twilio_inbound", "POST"): ("/webhooks/twilio/inbound", "twilio-sms", row(403)),
    # Last: they end the caller's session.
    ("auth.logout", "POST"): ("/auth/logout", None, row(302)),
    ("auth.staff_logout", "POST"): ("/staff/auth/logout", None, row(302)),
}


@dataclass
class World:
    subjects: dict[str, int]
    org_id: int
    message_id: int
    letter_id: int
    #: Per caller: a scan of its subject for the pages, another for the API.
    appointments: dict[str, int]
    api_appointments: dict[str, int]
    #: The first hospital's clinic work: a change request, a scan and a slot (and its schedule).
    clinic: dict[str, int]
    #: Per caller: a document of its subject; and the first hospital's blocked document.
    documents: dict[str, int]
    staff_document: int
    #: Per caller: an entry of its subject's access log for the pages, another for the API;
    #: and a question to the first hospital about one of "self"'s.
    access_entries: dict[str, int]
    api_access_entries: dict[str, int]
    question_id: int
    #: A ready export "self" asked for of her own record.
    export_id: int
    #: Per caller: an open wound questionnaire of its subject, and an answered one.
    wound_cases: dict[str, int]
    wound_answered: dict[str, int]
    cookies: dict[str, str]
    bearers: dict[str, dict[str, str]]
    #: A block of "self"'s, and the expired fullmakt.
    block_id: int = 0
    fullmakt_id: int = 0
    #: Per caller: an open wound follow-up case of its subject.
    questionnaires: dict[str, int] = field(default_factory=dict)
    #: A wound photo of "self"'s answered case.
    wound_photo: int = 0


@pytest.fixture
def world(db, frozen_clock) -> World:
    today = utcnow().date()
    me = make_person(date(1980, 5, 5), given_name="Selv")
    stranger = make_person(date(1981, 6, 6), given_name="Fremmed")
    parent_small, small = make_person(date(1985, 1, 1)), make_person(today.replace(year=2018))
    parent_teen, teen = make_person(date(1984, 1, 1)), make_person(today.replace(year=2012))
    giver, holder = make_person(date(1940, 2, 2)), make_person(date(1970, 3, 3))
    hospital = Actor.system("hospital-system")
    record_guardianship(guardian=parent_small, child=small, shares_address=True, actor=hospital)
    record_guardianship(guardian=parent_teen, child=teen, shares_address=True, actor=hospital)
    expired = Fullmakt(giver=giver, recipient=holder, areas=[a.value for a in Area],
                       starts_on=today - timedelta(days=400), ends_on=today - timedelta(days=35))
    db.session.add(expired)
    trust = make_organisation()
    other_trust = make_organisation(name="Helse Nord", org_number="974749025")
    nurse = make_staff(trust, Role.INFECTION_CONTROL, Role.ULTRASOUND_CLINIC)
    nurse_elsewhere = make_staff(other_trust, Role.INFECTION_CONTROL, Role.ULTRASOUND_CLINIC)
    admin = make_staff(trust, Role.ADMIN, name="Admin Test")
    people = {"self": me, "other_citizen": stranger, "parent_under_12": parent_small,
              "parent_of_14": parent_teen, "expired_fullmakt": holder}
    subjects = {"self": me.id, "other_citizen": me.id, "parent_under_12": small.id,
                "parent_of_14": teen.id, "expired_fullmakt": giver.id}
    subjects |= dict.fromkeys(("anonymous", *STAFF, *SYSTEMS), me.id)

    cookies = {}
    for caller, person in people.items():
        _, cookies[caller] = start_session(kind=SessionKind.CITIZEN, actor=Actor.person(person.id),
                                           absolute_timeout=timedelta(hours=12),
                                           person_id=person.id)
    for caller, staff, org in (("staff_same_org", nurse, trust),
                               ("staff_other_org", nurse_elsewhere, other_trust),
                               ("staff_admin", admin, trust)):
        _, cookies[caller] = start_session(kind=SessionKind.STAFF,
                                           actor=Actor.staff(staff.id, organisation_id=org.id),
                                           absolute_timeout=timedelta(hours=12),
                                           staff_id=staff.id, organisation_id=org.id)
    dead = OutboxMessage(channel="sms", payload={"person_id": me.id, "body": "Hei"},
                         dedupe_key="matrix:sms", status=OutboxStatus.DEAD, attempts=10,
                         last_error="gave up")
    db.session.add(dead)
    letter = record_paper(key="matrix:letter", person_id=me.id, event="notify.new-message",
                          organisation_id=trust.id, actor="test", urgent=False)
    scans = {}
    for person in {me, small, teen, giver}:
        scans[person.id] = [make_appointment(person, trust, Service.ROUTINE,
                                             start=utcnow() + timedelta(days=days)).id
                            for days in (10, 11)]
    clinic_scan = make_appointment(me, trust, Service.EARLY, start=utcnow() + timedelta(days=20))
    schedule = make_schedule(trust, Service.EARLY)
    slot = make_slot(schedule, start=utcnow() + timedelta(days=21))
    request = ChangeRequest(appointment_id=clinic_scan.id, person_id=me.id,
                            reason=ChangeReason.TRAVEL, wants_call=True)
    db.session.add(request)
    db.session.flush()
    clinic = {"request": request.id, "scan": clinic_scan.id, "slot": slot.id,
              "schedule": schedule.id}
    block = Block(person_id=me.id, kind=BlockKind.EVERYTHING, created_by=f"person:{me.id}")
    db.session.add(block)
    record = {person.id: make_document(person, trust, title="Epikrise").id
              for person in {me, small, teen, giver}}
    blocked = make_document(me, trust, title="Sperret")
    make_block(me, kind="document", document=blocked)
    entries = {}
    for person in {me, small, teen, giver}:
        entries[person.id] = [audit.record(
            actor=Actor.staff(nurse.id, organisation_id=trust.id), action="read",
            resource_type="DocumentReference", resource_id=n, subject_person_id=person.id,
            purpose="treatment").id for n in (1, 2, 3)]
    question = AccessQuestion(person_id=me.id, audit_event_id=entries[me.id][2],
                              organisation_id=trust.id, question="Hvorfor?",
                              asked_by_person_id=me.id)
    db.session.add(question)
    export = RecordExport(person_id=me.id, requested_by_person_id=me.id,
                          status=ExportStatus.READY, pdf=b"%PDF-1.7 matrix", bundle=b"{}",
                          expires_at=utcnow() + timedelta(days=7))
    db.session.add(export)
    db.session.flush()
    api_cases = {person.id: make_case(person, trust, state=CaseState.INVITED,
                                      invited_at=utcnow()).id
                 for person in {me, small, teen, giver}}
    db.session.commit()
    wound_cases, wound_answered = {}, {}
    for person in {me, small, teen, giver}:
        wound_cases[person.id] = make_case(person, trust, state=CaseState.INVITED,
                                           invited_at=utcnow()).id
        answered = make_case(person, trust, state=CaseState.INVITED, invited_at=utcnow())
        answers.save(case_id=answered.id, response=wound_response(), final=True,
                     channel=AnswerChannel.WEB, actor=Actor.person(person.id))
        wound_answered[person.id] = answered.id
    photo = photos.add_photo(case_id=wound_answered[me.id], data=wound_png(),
                             actor=Actor.person(me.id), limits=photos.PhotoLimits())
    db.session.commit()
    bearers = {"system_with_scope": system_bearer("system/*.cruds"),
               "system_without_scope": system_bearer("system/Appointment.rs", name="other")}
    return World(subjects=subjects, org_id=trust.id, message_id=dead.id, letter_id=letter.id,
                 appointments={c: scans[s][0] for c, s in subjects.items()},
                 api_appointments={c: scans[s][1] for c, s in subjects.items()},
                 clinic=clinic,
                 documents={c: record[s] for c, s in subjects.items()},
                 staff_document=blocked.id,
                 access_entries={c: entries[s][0] for c, s in subjects.items()},
                 api_access_entries={c: entries[s][1] for c, s in subjects.items()},
                 question_id=question.id, export_id=export.id,
                 wound_cases={c: wound_cases[s] for c, s in subjects.items()},
                 wound_answered={c: wound_answered[s] for c, s in subjects.items()},
                 cookies=cookies, bearers=bearers, block_id=block.id, fullmakt_id=expired.id,
                 questionnaires={c: api_cases[s] for c, s in subjects.items()},
                 wound_photo=photo.id)


@pytest.fixture
def matrix_app(make_app, app, oidc_provider):
    notify = copy.deepcopy(app.config["NOTIFY"])
    notify["twilio"] = twilio_config(None)  # an auth token, so webhooks could be signed
    return make_app(WTF_CSRF_ENABLED=False, NOTIFY=notify, **oidc_provider.config())


def test_every_endpoint_is_in_the_matrix(matrix_app):
    routes = {(rule.endpoint, method) for rule in matrix_app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - set(MATRIX) == set(), "add these endpoints to the access matrix"
    assert set(MATRIX) - routes == set(), "these matrix rows name no endpoint"


def _body(kind: str | None, subject: int, org_id: int) -> dict:
    number = national_id_for(date(1999, 9, 9), subject % 50)
    patient = {"resourceType": "Patient", "identifier": [{"system": FNR_SYSTEM, "value": number}],
               "name": [{"use": "official", "family": "Ny", "given": ["Pasient"]}]}
    return {
        None: {},
        "token-form": {"data": {"grant_type": "client_credentials"}},
        "acting-for": {"data": {"person_id": str(subject)}},
        "organisation": {"data": {"organisation_id": str(org_id)}},
        "search-form": {"data": {"_id": str(subject)}},
        "patient": {"json": patient},
        "patient-update": {"json": {**patient, "id": str(subject),
                                    "identifier": "REPLACED"}},
        "bundle": {"json": {"resourceType": "Bundle", "type": "batch", "entry": [
            {"resource": patient, "request": {"method": "POST", "url": "Patient"}}]}},
        "envelope": {"data": b"<AMQPMessage/>", "content_type": "application/xml"},
        "twilio-status": {"data": {"MessageSid": "SM" + "1" * 32, "MessageStatus": "sent"}},
        "twilio-sms": {"data": {"From": "+4791234567", "Body": "STOP"}},
        "settings-form": {"data": {"channels": "both", "language": "nn", "mobile": "",
                                   "email": "", "version": "0"}},
        "consent-form": {"data": {"decision": "refused",
                                  "information_version": INFORMATION_VERSION}},
        "consent-json": {"json": {"decision": "refused"}},
        "report-form": {"data": {"twins": "yes", "special_needs": "", "interpreter": ""}},
        "rebook-form": {"data": {"slot": "99999999"}},
        "rebook-json": {"json": {"slot": 99999999}},
        "change-form": {"data": {"reason": "other", "reason_text": ""}},
        "change-json": {"json": {"reason": "other"}},
        "cancel-form": {"data": {"reason": "Reise"}},
        "slot-form": {"data": {"day": "2026-03-25", "time": "10:00", "minutes": "30"}},
        "cancel-json": {"json": {"reason": "Reise"}},
        "staff-lookup": {"data": {"reason": "Innlagt akutt i natt"}},
        "staff-reason": {"data": {"reason": "Innlagt akutt i natt"}},
        "question-form": {"data": {"question": "Hvorfor?"}},
        "question-json": {"json": {"question": "Hvorfor?"}},
        "answer-form": {"data": {"answer": "Fordi."}},
        "settings-json": {"json": {"channels": "sms", "language": None, "mobile": None,
                                   "email": None, "non_essential": True}},
        "block-form": {"data": {"kind": "everything"}},
        "online-access-form": {"data": {"action": "restore"}},
        "fullmakt-form": {"data": {"national_id": "12345678901", "areas": "records",
                                   "ends_on": "31.12.2026"}},
        "parents-form": {"data": {"area": "appointments", "action": "release"}},
        "block-json": {"json": {"organisation_id": org_id}},
        "empty-json": {"json": {}},
        "ssi-move-json": {"json": {"to": "triaged", "version": 1}},
        "ssi-note-json": {"json": {"topic": "gp-contacted", "version": 0}},
        "ssi-call-json": {"json": {"outcome": "reached", "version": 0}},
        "answer-json": {"json": wound_response()},
        "photo": {"data": wound_png(), "content_type": "image/png"},
        "wound-later": {"data": {"action": "later"}},
        "wound-send": {"data": {"version": "1"}},
        "wound-photo": {"data": {"photo": (io.BytesIO(wound_png()), "wound.png")},
                        "content_type": "multipart/form-data"},
        "fullmakt-json": {"json": {"national_id": "12345678901", "areas": ["records"],
                                   "ends_on": "2026-12-31"}},
    }[kind]


def signed_in(app, world: World, caller: str):
    """A test client as the caller (their session cookie), and the headers they send (a
    system's bearer token)."""
    client = app.test_client()
    if caller in world.cookies:
        set_session_cookie(client, world.cookies[caller])
    return client, dict(world.bearers.get(caller, {}))


def url(path: str, world: World, caller: str) -> str:
    """A matrix row's path with the caller's subject, case, document ... filled in."""
    return path.format(subject=world.subjects[caller], message=world.message_id,
                       letter=world.letter_id, appointment=world.appointments[caller],
                       api_appointment=world.api_appointments[caller],
                       change_request=world.clinic["request"],
                       clinic_scan=world.clinic["scan"], slot=world.clinic["slot"],
                       block=world.block_id, fullmakt=world.fullmakt_id,
                       document=world.documents[caller], staff_document=world.staff_document,
                       access_entry=world.access_entries[caller],
                       api_access_entry=world.api_access_entries[caller],
                       question=world.question_id, export=world.export_id,
                       questionnaire=world.questionnaires[caller],
                       wound_case=world.wound_cases[caller],
                       wound_answered=world.wound_answered[caller],
                       wound_photo=world.wound_photo)


@pytest.mark.parametrize("caller", CALLERS)
def test_access_matrix(matrix_app, world, caller):
    from services.db import db
    from services.people.models import Person
    from services.people.service import national_id_of

    client, headers = signed_in(matrix_app, world, caller)
    subject = world.subjects[caller]
    mismatches = []
    for (endpoint, method), (path, kind, expected) in MATRIX.items():
        body = _body(kind, subject, world.org_id)
        if kind == "slot-form":
            body["data"]["schedule"] = str(world.clinic["schedule"])
        if kind == "staff-lookup":
            body["data"]["national_id"] = national_id_of(db.session.get(Person, subject))
        if kind == "patient-update":
            person = db.session.get(Person, subject)
            body["json"]["identifier"] = [{"system": FNR_SYSTEM,
                                           "value": national_id_of(person)}]
        response = client.open(url(path, world, caller), method=method, headers=headers,
                               **body)
        response.close()
        if response.status_code != expected[caller]:
            mismatches.append(f"{method} {endpoint}: expected {expected[caller]}, "
                              f"got {response.status_code}")
    assert mismatches == [], "\n".join(mismatches)
