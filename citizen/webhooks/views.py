"""Twilio's webhooks: each request must carry Twilio's signature over our public URL."""

import functools
import hmac
import logging
import time
from urllib.parse import urlparse

from flask import Response, current_app, request
from limits import parse
from marshmallow import Schema, ValidationError
from twilio.request_validator import RequestValidator, add_port, remove_port
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.datastructures import MultiDict

from citizen.errors import ApiError
from citizen.extensions import limiter
from citizen.webhooks.schemas import InboundMessageSchema, StatusCallbackSchema
from services.notify.inbound import apply_status, handle_inbound

log = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"
#: Twilio's forms are a few hundred bytes; an SMS body is at most 1600 characters.
MAX_BODY_BYTES = 64 * 1024

#: Per client address, counting only refused requests, and looked at only when refusing:
#: Twilio's signed callbacks are never held back (a burst of delivery receipts is normal)
#: and cost no trip to the limiter's store; someone guessing signatures is held back.
REFUSED_RATE_LIMIT = parse("30 per minute")

_status_schema = StatusCallbackSchema()
_inbound_schema = InboundMessageSchema()


def limit_body_size() -> None:
    request.max_content_length = MAX_BODY_BYTES


def twilio_status():
    """A delivery status for an SMS we sent: 200 whether or not it moved anything."""
    form = _signed_form(_status_schema)
    apply_status(sid=form["MessageSid"], status=form["MessageStatus"],
                 error_code=form.get("ErrorCode"))
    return Response(status=200)


def twilio_inbound():
    """An SMS someone sent us: answered with TwiML (an empty Response for no reply)."""
    form = _signed_form(_inbound_schema)
    reply = handle_inbound(from_=form["From"], body=form["Body"],
                           opt_out_type=form.get("OptOutType"))
    twiml = MessagingResponse()
    if reply:
        twiml.message(reply)
    return Response(str(twiml), mimetype="text/xml")


def _signed_form(schema: Schema) -> dict:
    if request.mimetype != FORM:
        raise ApiError(415, f"send the form as {FORM}")
    if not _signed_by_twilio():
        log.warning("refused Twilio webhook: missing or wrong signature",
                    extra={"path": request.path})
        _count_refusal()
        raise ApiError(403, "missing or wrong X-Twilio-Signature")
    try:
        return schema.load(request.form)
    except ValidationError as exc:
        raise ApiError(400, "invalid form fields", errors=exc.normalized_messages()) from None


def _count_refusal() -> None:
    """429 instead of 403 once an address has been refused too often."""
    address = request.remote_addr or "unknown"
    if limiter.enabled and not limiter.limiter.hit(REFUSED_RATE_LIMIT, "twilio", address):
        reset, _ = limiter.limiter.get_window_stats(REFUSED_RATE_LIMIT, "twilio", address)
        raise ApiError(429, "too many refused requests from this address",
                       headers={"Retry-After": str(max(1, int(reset - time.time())))})


def _signed_by_twilio() -> bool:
    """Twilio signs the URL it was given (PUBLIC_BASE_URL + path + query) with the auth
    token; the URL this process saw behind a proxy is another one."""
    token = current_app.config["NOTIFY"]["twilio"].get("auth_token")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature or not signature.isascii():
        return False
    url = current_app.config["PUBLIC_BASE_URL"] + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return signature_matches(token=token, url=url, form=request.form, signature=signature)


def signature_matches(*, token: str, url: str, form: MultiDict, signature: str) -> bool:
    """What ``RequestValidator(token).validate(url, form, signature)`` answers for a form
    (an ASCII ``signature``), at less cost: see :func:`_signed_urls`."""
    validator = RequestValidator(token)
    return any(hmac.compare_digest(validator.compute_signature(signed, form), signature)
               for signed in _signed_urls(url))


@functools.lru_cache(maxsize=64)
def _signed_urls(url: str) -> tuple[str, ...]:
    """The forms of ``url`` a signature may be over, ``url``'s own first: RequestValidator's
    ``validate`` accepts one over the URL with the scheme's port added or removed, as
    Twilio's signing is "inconsistent" about it. It computes the HMAC over both forms on
    every request and parses the URL anew; here the forms are worked out once per URL and
    the second HMAC computed only when the first does not match (the same answers, a
    callback's signature check in a third of the time)."""
    parsed = urlparse(url)
    forms = dict.fromkeys((remove_port(parsed), add_port(parsed)))
    return tuple(sorted(forms, key=lambda form: form != parsed.geturl()))
