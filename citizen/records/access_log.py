"""Who has seen my record: her access log, filtered by period and paged, with "ask why" on
each entry that names an organisation, and the answers beside the entries.

Whose log: the person the citizen acts for, when the representation covers records (a
parent of a 12–15-year-old does not: the page says so, 403). An entry of anyone else's log
is 404. Every form works without JavaScript; the period filter is a GET form.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from marshmallow import EXCLUDE, Schema, fields, validate
from werkzeug.exceptions import NotFound

from citizen.api.paging import PageArgs, keyset_page, page_args
from citizen.auth.current import acting_for, login_required, person_label
from citizen.babel_cache import gettext as _
from citizen.i18n import parse_day
from citizen.payloads import load_form
from citizen.records import log_labels
from services.clock import day_ends, day_starts
from services.people.models import Area, Person
from services.records import access_log, questions

#: An audit row's id (a PostgreSQL bigint): a larger number is no row (404).
AUDIT_ID = "int(min=1, max=9223372036854775807)"
PAGE = "records/access_log/index.html"
#: Entries per page on the web (the API's default is 50): a screenful on a phone, and half
#: the page's cost (bench/README.md).
PAGE_SIZE = 25
ASK = "records/access_log/ask.html"

blueprint = Blueprint("records_access_log", __name__)


class QuestionForm(Schema):
    class Meta:
        unknown = EXCLUDE  # csrf_token and the submit button

    question = fields.String(load_default="", validate=validate.Length(max=20_000))


def log_subject() -> Person | None:
    """Whose log the request may show: the person acted for, if records are covered."""
    representation = acting_for()
    if representation is None or Area.RECORDS not in representation.areas:
        return None
    return representation.subject


@login_required
def index():
    subject = log_subject()
    if subject is None:
        return _not_covered()
    values = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    since, until, errors = _period(values)
    asked = questions.questions_of(subject_id=subject.id, actor=g.actor)
    if errors:
        return _page(subject, values=values, errors=errors, asked=asked, status=422)
    args = page_args()
    if "limit" not in request.args:
        args = PageArgs(limit=PAGE_SIZE, cursor=args.cursor)
    page = keyset_page(access_log.statement(subject_id=subject.id, since=since, until=until),
                       keys=access_log.KEYS, args=args)
    entries = access_log.entries_for(subject_id=subject.id, events=page.items, actor=g.actor)
    questions.mark_seen([q for entry in entries for q in entry.questions])
    older = None
    if page.next_cursor is not None:
        older = url_for(".index", **{k: v for k, v in values.items() if v},
                        **({"limit": args.limit} if "limit" in request.args else {}),
                        cursor=page.next_cursor)
    return _page(subject, values=values, entries=entries, asked=asked, older=older,
                 paged=request.args.get("cursor") is not None)


@login_required
def ask_page(event_id: int):
    subject, entry = _entry(event_id)
    if entry is None:
        return subject
    return _ask_form(subject, entry)


@login_required
def ask(event_id: int):
    subject, entry = _entry(event_id)
    if entry is None:
        return subject
    form = load_form(QuestionForm())
    try:
        questions.ask(subject_id=subject.id, event_id=event_id, question=form["question"],
                      actor=g.actor)
    except questions.NotFound:
        raise NotFound() from None
    except questions.InvalidText as exc:
        return _ask_form(subject, entry, entered=form, status=422,
                         errors={"question": log_labels.question_error(exc.code)})
    except questions.QuestionError as exc:
        status = 409 if isinstance(exc, questions.AlreadyAsked) else 422
        return _ask_form(subject, entry, entered=form, status=status,
                         refused=log_labels.question_error(exc.code))
    flash(_("Your question is sent to %(organisation)s. You will be told when they have "
            "answered.", organisation=entry.organisation.name), "success")
    return redirect(url_for(".index") + f"#entry-{event_id}", code=303)


def _period(values: dict[str, str]):
    """(since, until, errors) of the filter form: whole Norwegian days, both ends included."""
    errors: dict[str, str] = {}
    days = {}
    for name in ("from", "to"):
        text = values[name].strip()
        days[name] = parse_day(text[:40]) if text else None
        if text and days[name] is None:
            errors[name] = _("Write the date as day.month.year, for example 1.3.2026.")
    if not errors and days["from"] and days["to"] and days["to"] < days["from"]:
        errors["to"] = _("The last day cannot be before the first day.")
    if errors:
        return None, None, errors
    since = day_starts(days["from"]) if days["from"] else None
    until = day_ends(days["to"]) if days["to"] else None
    return since, until, {}


def _entry(event_id: int):
    """(subject, entry), or (the answer, None) when there is none to show."""
    subject = log_subject()
    if subject is None:
        return _not_covered(), None
    entry = access_log.entry_of(subject_id=subject.id, event_id=event_id)
    if entry is None:
        raise NotFound()
    return subject, entry


def _page(subject: Person, *, values, errors=None, entries=(), asked=(), older=None,
          paged=False, status=200):
    return render_template(PAGE, subject_label=person_label(subject), values=values,
                           errors=errors or {}, entries=entries, asked=asked, older=older,
                           paged=paged, labels=log_labels), status


def _ask_form(subject: Person, entry, *, entered=None, errors=None, refused=None, status=200):
    return render_template(ASK, entry=entry, subject_label=person_label(subject),
                           values=entered or {"question": ""}, errors=errors or {},
                           refused=refused, labels=log_labels,
                           max_question=questions.MAX_QUESTION), status


def _not_covered():
    return render_template("records/access_log/not_covered.html"), 403


blueprint.add_url_rule("/records/access-log", view_func=index)
blueprint.add_url_rule(f"/records/access-log/<{AUDIT_ID}:event_id>/question",
                       view_func=ask_page)
blueprint.add_url_rule(f"/records/access-log/<{AUDIT_ID}:event_id>/question", endpoint="ask",
                       view_func=ask, methods=["POST"])
