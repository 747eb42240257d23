"""Shapes every endpoint shares: problem details, a page of a list, its query."""

from __future__ import annotations

from functools import cache

from marshmallow import Schema, fields, validate

#: Items per page when the caller names no limit, and the most it may ask for.
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class JsonInteger(fields.Integer):
    """A JSON integer: 2 or 2.0 (JSON Schema's integer), never "2", true or 2.5."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                isinstance(value, float) and not value.is_integer()):
            raise self.make_error("invalid")
        return super()._deserialize(int(value), attr, data, **kwargs)


class ProblemSchema(Schema):
    """RFC 9457 problem details (``citizen.errors.problem``)."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    request_id = fields.String(allow_none=True)
    #: Per field, what is wrong with it (422); nested for nested fields.
    errors = fields.Dict(keys=fields.String())


class PageQuerySchema(Schema):
    """``?limit=&cursor=`` of a list: the cursor is the ``next`` link's, never made by hand."""

    limit = fields.Integer(load_default=DEFAULT_LIMIT,
                           validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(load_default=None, validate=validate.Length(max=500))


@cache
def page_of(item: type[Schema]) -> type[Schema]:
    """The schema of a page of ``item``: ``{"items": [...], "next": url | null}``."""
    name = item.__name__.removesuffix("Schema") + "PageSchema"
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item), required=True),
        "next": fields.Url(required=True, allow_none=True, require_tld=False),
    }, name=name)
