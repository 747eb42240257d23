"""Shapes of what the document pages and API read and return, and the filters both parse."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from citizen.api.schemas import PageQuerySchema
from citizen.i18n import parse_day
from services.records.documents import MAX_QUERY, Filters, InvalidFilter, is_searchable
from services.records.models import DocumentKind

KINDS = [kind.value for kind in DocumentKind]
MAX_ID = 2**31 - 1
def _searchable(text: str) -> None:
    if not is_searchable(text):
        raise ValidationError("No control characters.")


class DayField(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        day = parse_day(value)
        if day is None:
            raise self.make_error("invalid")
        return day

    default_error_messages = {"invalid": "Not a date (YYYY-MM-DD)."}


class DocumentQuerySchema(PageQuerySchema):
    """``GET /api/v1/documents``: paging and the filters, every one optional."""

    class Meta:
        unknown = EXCLUDE

    type = fields.String(load_default=None, validate=validate.OneOf(KINDS),
                         metadata={"description": "The document type."})
    organisation = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                                  metadata={"description": "The id of the organisation whose "
                                                           "record it is."})
    # ``from`` is a Python keyword: the attribute is ``date_from``.
    date_from = DayField(load_default=None, data_key="from",
                         metadata={"type": "string", "format": "date",
                                   "description": "Written on or after this date (Norwegian "
                                                  "time; 1.3.2026 is taken too)."})
    date_to = DayField(load_default=None, data_key="to",
                       metadata={"type": "string", "format": "date",
                                 "description": "Written on or before this date."})
    q = fields.String(load_default=None,
                      validate=[validate.Length(max=MAX_QUERY), _searchable],
                      metadata={"description": "Words that must all be in the title "
                                               "(no control characters).",
                                "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*$"})

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("The end date is before the start date.", "to")


def filters_from(loaded: dict) -> Filters:
    try:
        return Filters(kind=DocumentKind(loaded["type"]) if loaded.get("type") else None,
                       organisation_id=loaded.get("organisation"),
                       date_from=loaded.get("date_from"), date_to=loaded.get("date_to"),
                       text=(loaded.get("q") or "").strip() or None)
    except InvalidFilter as exc:  # the schema checks the same; kept for the pages
        raise ValidationError(str(exc), exc.field) from None


class OrganisationSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class DocumentSchema(Schema):
    """One of her documents, without its content (``content`` and ``pdf`` are links)."""

    id = fields.Integer(required=True)
    type = fields.String(required=True, validate=validate.OneOf(KINDS))
    type_name = fields.String(required=True, metadata={"description": "In her language."})
    title = fields.String(required=True)
    date = fields.AwareDateTime(required=True, metadata={"description": "When it was written."})
    status = fields.String(required=True, validate=validate.OneOf(["current", "superseded"]))
    organisation = fields.Nested(OrganisationSchema, required=True)
    unit = fields.Nested(OrganisationSchema, allow_none=True, required=True)
    author = fields.String(allow_none=True, required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "Of the content, in bytes."})
    sha256 = fields.String(required=True)
    replaces = fields.Integer(allow_none=True, required=True,
                              metadata={"description": "The earlier version this corrects "
                                                       "(when she may see it)."})
    replaced_by = fields.Integer(allow_none=True,
                                 metadata={"description": "The version that corrects this "
                                                          "one (single document only)."})
    content = fields.String(required=True, metadata={"description": "The content's URL."})
    pdf = fields.String(required=True, metadata={"description": "The PDF's URL."})
