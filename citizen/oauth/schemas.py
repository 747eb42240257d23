"""The token request's form fields (RFC 6749 4.4, RFC 7523 2.2)."""

from marshmallow import EXCLUDE, Schema, fields, validate


class TokenRequestSchema(Schema):
    class Meta:
        # RFC 6749 3.2: unknown parameters are ignored, not refused.
        unknown = EXCLUDE

    grant_type = fields.String(required=True, validate=validate.Length(max=200))
    scope = fields.String(load_default=None, validate=validate.Length(max=2000))
    client_id = fields.String(load_default=None, validate=validate.Length(max=255))
    client_secret = fields.String(load_default=None, validate=validate.Length(max=1000))
    client_assertion_type = fields.String(load_default=None, validate=validate.Length(max=200))
    client_assertion = fields.String(load_default=None, validate=validate.Length(max=16_000))


#: The fields above; each may appear at most once (RFC 6749 3.2).
TOKEN_PARAMETERS = tuple(TokenRequestSchema().fields)
