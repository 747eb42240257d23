"""What a notice says: templates per event, channel and language, and who it names.

Messages carry no health information and no login link, and name the hospital, never the
unit (a unit's name can reveal a diagnosis: Kvinneklinikken, Kreftavdelingen). The
templates get the caller's context, but the built-in ones use nothing from it but
``sender``; ``tests/services/notify/test_content_safety.py`` renders every template of every
registered event with hostile contexts to hold that.

Rendered with a Jinja environment of its own (no Flask: workers and services render too):
HTML autoescaped, text not, and an undefined variable is an error, not an empty string.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from services.people.models import Organisation

LANGUAGES = ("nb", "nn", "en")
DEFAULT_LANGUAGE = "nb"
TEMPLATE_ROOT = Path(__file__).resolve().parents[2] / "templates" / "notifications"
#: The files every event has, per language.
TEMPLATE_FILES = ("sms.{lang}.txt", "email_subject.{lang}.txt", "email.{lang}.txt",
                  "email.{lang}.html")
#: Legal-form suffixes dropped from the name a citizen reads: "St. Olavs hospital HF" is
#: "St. Olavs hospital" to her.
_LEGAL_SUFFIXES = (" RHF", " HF")


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def sender_name(organisation: Organisation | None) -> str | None:
    """The name a message may carry for ``organisation``: None to name no sender.

    The rule: walk ``parent`` up to the top of the chain (the health trust the hospital
    system registered: "St. Olavs hospital HF") and name that, without its legal suffix. A
    unit or department is never named, however deep it sits. If any organisation on the
    way is ``name_is_sensitive``, nobody is named: a sensitive clinic inside a trust says
    too much even under the trust's name, and a sensitive trust says too much by itself.
    """
    top, seen = organisation, set()
    while top is not None and top.id not in seen:
        if top.name_is_sensitive:
            return None
        seen.add(top.id)
        if top.parent is None:
            break
        top = top.parent
    if top is None:
        return None
    name = top.name.strip()
    for suffix in _LEGAL_SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix).rstrip()
    return name


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_ROOT),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",),
                                            default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )


def _render(event: str, file: str, language: str, *, sender: str | None,
            context: Mapping[str, Any]) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"no templates in language {language!r}")
    template = environment().get_template(f"{event}/{file.format(lang=language)}")
    return template.render({**context, "sender": sender}).strip()


def render_sms(*, event: str, language: str, sender: str | None,
               context: Mapping[str, Any]) -> str:
    """The SMS text, one paragraph, no trailing whitespace."""
    return " ".join(_render(event, TEMPLATE_FILES[0], language, sender=sender,
                            context=context).split())


def render_email(*, event: str, language: str, sender: str | None,
                 context: Mapping[str, Any]) -> Email:
    parts = [_render(event, file, language, sender=sender, context=context)
             for file in TEMPLATE_FILES[1:]]
    subject, text, html = parts
    return Email(subject=" ".join(subject.split()), text=text + "\n", html=html + "\n")


def missing_templates(event: str) -> list[str]:
    """Template files ``event`` lacks (a test holds this empty for every registered event)."""
    return [f"{event}/{file.format(lang=lang)}" for lang in LANGUAGES for file in TEMPLATE_FILES
            if not (TEMPLATE_ROOT / event / file.format(lang=lang)).is_file()]
