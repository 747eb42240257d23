"""The citizen's notification settings page: the form, saving it, and the SMS preview."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for

from citizen.auth.current import acting_for, login_required, person_label
from citizen.babel_cache import gettext as _
from citizen.notifications.access import settings_subject
from citizen.notifications.labels import REFUSALS, event_label
from citizen.notifications.schemas import SettingsForm
from citizen.payloads import load_form
from services.notify import settings as notify_settings


@login_required
def settings_page():
    subject = settings_subject()
    if subject is None:
        return _page(None)
    return _page(notify_settings.settings_for(subject.id))


@login_required
def save_settings():
    subject = settings_subject()
    if subject is None:
        return _page(None, status=403)
    form = load_form(SettingsForm())
    version = form.pop("version")
    form["language"] = form["language"] or None
    try:
        notify_settings.update_settings(person_id=subject.id, actor=g.actor,
                                        expected_version=version, **form)
    except notify_settings.InvalidSettings as exc:
        errors = {field: str(REFUSALS.get(code, _("Check this field"))) for field, code in
                  exc.errors.items()}
        return _page(notify_settings.settings_for(subject.id), entered=form, errors=errors,
                     status=422)
    except notify_settings.SettingsConflict:
        flash(_("The settings were changed somewhere else in the meantime. Here they are "
                "as they are now: make your change again."), "warning")
        return _page(notify_settings.settings_for(subject.id), status=409)
    flash(_("Your choices are saved."), "success")
    return redirect(url_for("notifications.settings_page"), code=303)


def _page(preferences: notify_settings.Preferences | None, *, entered: dict | None = None,
          errors: dict[str, str] | None = None, status: int = 200):
    """The page; ``preferences`` None: the citizen may not manage these settings."""
    subject = acting_for().subject
    previews = ([(event_label(p.event), p.sms)
                 for p in notify_settings.preview(person_id=subject.id)]
                if preferences is not None else [])
    values = _form_values(preferences, entered) if preferences is not None else {}
    html = render_template("notify/settings.html", preferences=preferences,
                           values=values, errors=errors or {}, previews=previews,
                           subject_label=person_label(subject))
    return html, status


def _form_values(preferences: notify_settings.Preferences, entered: dict | None) -> dict:
    """What the form shows: what she just typed (after an error), else what is stored."""
    if entered is not None:
        return {**entered, "language": entered["language"] or "",
                "version": preferences.version}
    return {"channels": preferences.channels.value,
            "language": preferences.chosen_language or "",
            "mobile": preferences.mobile or "", "email": preferences.email or "",
            "non_essential": preferences.non_essential,
            "answer_by_sms": preferences.answer_by_sms, "version": preferences.version}
