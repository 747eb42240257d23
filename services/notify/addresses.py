"""Addresses in one form: mobile numbers as E.164 (read with Norway as the default region),
e-mail addresses checked for their shape."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberType

DEFAULT_REGION = "NO"
#: Types that can receive an SMS. Some countries cannot tell mobiles from landlines by the
#: number; Twilio refuses the landlines among them (21614) and the message dies then.
_TEXTABLE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
#: Deliberately loose (the mailbox's own server has the last word): one @, no spaces, a
#: dot in the domain, at most 64 characters before the @ and 320 in all (RFC 5321).
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
MAX_EMAIL = 320


class InvalidNumber(ValueError):
    """Not a phone number that exists."""


class NotAMobile(InvalidNumber):
    """A real number that cannot receive SMS (a landline, a service number)."""


class InvalidEmail(ValueError):
    """Not shaped like an e-mail address."""


def normalise_mobile(text: str) -> str:
    """``"912 34 567"`` → ``"+4791234567"``; raise :class:`InvalidNumber` or
    :class:`NotAMobile`."""
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidNumber("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidNumber("not a valid phone number")
    if phonenumbers.number_type(number) not in _TEXTABLE:
        raise NotAMobile("not a mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(text: str) -> str:
    """``" kari@example.no "`` → ``"kari@example.no"``; raise :class:`InvalidEmail`."""
    address = text.strip()
    if len(address) > MAX_EMAIL or not _EMAIL.fullmatch(address):
        raise InvalidEmail("not an e-mail address")
    return address
