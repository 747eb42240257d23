"""The token request's form fields (RFC 6749 4.4, RFC 7523 2.2)."""

from marshmallow import EXCLUDE, Schema, fields, validate

from services.clients import VSCHAR


def _parameter(max_length: int, **options) -> fields.String:
    """A token parameter: printable ASCII (RFC 6749 appendix A) of at most ``max_length``."""
    return fields.String(validate=[
        validate.Length(max=max_length),
        validate.Regexp(VSCHAR, error="only printable ASCII characters are allowed"),
    ], **options)


class TokenRequestSchema(Schema):
    class Meta:
        # RFC 6749 3.2: unknown parameters are ignored, not refused.
        unknown = EXCLUDE

    grant_type = _parameter(200, required=True)
    scope = _parameter(2000, load_default=None)
    client_id = _parameter(255, load_default=None)
    client_secret = _parameter(1000, load_default=None)
    client_assertion_type = _parameter(200, load_default=None)
    #: Not a VSCHAR rule of its own: whatever is not a JWT is refused as one (invalid_client).
    client_assertion = fields.String(load_default=None, validate=validate.Length(max=16_000))


#: The fields above; each may appear at most once (RFC 6749 3.2).
TOKEN_PARAMETERS = tuple(TokenRequestSchema().fields)
