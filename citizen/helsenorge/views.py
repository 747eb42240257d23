import logging

from flask import jsonify, request

from citizen.errors import ApiError
from services.helsenorge.envelope import InvalidEnvelope
from services.helsenorge.service import (
    RefusedMessage,
    UnknownMessageFunction,
    UntrustedMessage,
    receive,
)

log = logging.getLogger(__name__)

XML_TYPES = ("application/xml", "text/xml")


def receive_message():
    """Accept one envelope from helsenorge: 202 when new, 200 when already received."""
    if request.mimetype not in XML_TYPES:
        raise ApiError(415, "send the envelope as application/xml")
    try:
        receipt = receive(body=request.get_data(cache=False),
                          signature=request.headers.get("X-Helsenorge-Signature"))
    except UntrustedMessage as exc:
        log.warning("refused helsenorge message", extra={"why": str(exc)})
        raise ApiError(401, str(exc)) from None
    except InvalidEnvelope as exc:
        raise ApiError(400, f"invalid envelope: {exc}") from None
    except UnknownMessageFunction as exc:
        raise ApiError(422, f"no handler for message function {exc}") from None
    except RefusedMessage as exc:
        raise ApiError(422, f"refused: {exc}") from None
    status = "duplicate" if receipt.duplicate else "accepted"
    return jsonify(status=status, correlation_id=receipt.correlation_id), (
        200 if receipt.duplicate else 202
    )
