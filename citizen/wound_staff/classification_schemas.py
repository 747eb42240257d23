"""The classification's JSON: what a PUT reads, and the classification and proposal a GET or
PUT answers."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from citizen.api.schemas import JsonInteger
from services.wound.classify import CRITERIA, ORGAN_SITES, Culture, Evidence, Layer, Opening
from services.wound.models import Detection, SSILevel

LEVELS = [level.value for level in SSILevel]


def _one_of(kind) -> validate.OneOf:
    return validate.OneOf([member.value for member in kind])


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class FindingsSchema(_Strict):
    purulent_from = fields.List(fields.String(validate=_one_of(Layer)), load_default=list,
                                validate=validate.Length(max=3))
    opened = fields.String(allow_none=True, load_default=None, validate=_one_of(Opening))
    opened_layer = fields.String(allow_none=True, load_default=None,
                                 validate=validate.OneOf(["superficial", "deep"]))
    culture = fields.String(load_default="not_done", validate=_one_of(Culture))
    culture_from = fields.String(allow_none=True, load_default=None, validate=_one_of(Layer))
    evidence = fields.String(allow_none=True, load_default=None,
                             validate=validate.OneOf(["deep", "organ_space"]))
    evidence_by = fields.List(fields.String(validate=_one_of(Evidence)), load_default=list,
                              validate=validate.Length(max=4))
    diagnosis = fields.String(allow_none=True, load_default=None,
                              validate=validate.OneOf(LEVELS[1:]))
    fever = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    pain = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    local_signs = fields.Boolean(load_default=False, truthy={True}, falsy={False})


class ConsequencesSchema(_Strict):
    readmitted = fields.Boolean(required=True, truthy={True}, falsy={False})
    reoperated = fields.Boolean(required=True, truthy={True}, falsy={False})
    died = fields.Boolean(required=True, truthy={True}, falsy={False})


class ClassificationBodySchema(_Strict):
    """The classification as staff decide it; ``version`` is the case's, as read."""

    version = JsonInteger(allow_none=True, load_default=None,
                             validate=validate.Range(0, 2**31 - 1),
                             metadata={"description": "The case version read (or If-Match)."})
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    criterion = fields.String(allow_none=True, load_default=None,
                              validate=validate.OneOf(list(CRITERIA)),
                              metadata={"description": "null: the proposal's, or the first "
                                                       "met at the level."})
    organ_site = fields.String(allow_none=True, load_default=None,
                               validate=validate.OneOf(list(ORGAN_SITES)))
    onset_on = fields.Date(allow_none=True, load_default=None)
    detected = fields.String(allow_none=True, load_default=None, validate=_one_of(Detection))
    microorganism = fields.String(allow_none=True, load_default=None,
                                  validate=validate.Length(max=200))
    consequences = fields.Nested(ConsequencesSchema, allow_none=True, load_default=None,
                                 metadata={"description": "null: as the hospital reported."})
    findings = fields.Nested(FindingsSchema, load_default=dict)
    override_reason = fields.String(allow_none=True, load_default=None,
                                    validate=validate.Length(max=1000))


class StoredFindingsSchema(Schema):
    purulent_from = fields.List(fields.String(), required=True)
    opened = fields.String(allow_none=True, required=True)
    opened_layer = fields.String(allow_none=True, required=True)
    culture = fields.String(required=True)
    culture_from = fields.String(allow_none=True, required=True)
    evidence = fields.String(allow_none=True, required=True)
    evidence_by = fields.List(fields.String(), required=True)
    diagnosis = fields.String(allow_none=True, required=True)
    fever = fields.Boolean(required=True)
    pain = fields.Boolean(required=True)
    local_signs = fields.Boolean(required=True)
    onset_on = fields.String(allow_none=True, required=True)


class ClassificationSchema(Schema):
    level = fields.String(required=True)
    criterion = fields.String(allow_none=True, required=True)
    organ_site = fields.String(allow_none=True, required=True)
    onset_on = fields.Date(allow_none=True, required=True)
    detected = fields.String(allow_none=True, required=True)
    microorganism = fields.String(allow_none=True, required=True)
    readmitted = fields.Boolean(required=True)
    reoperated = fields.Boolean(required=True)
    died = fields.Boolean(required=True)
    findings = fields.Nested(StoredFindingsSchema, required=True)
    proposed_level = fields.String(allow_none=True, required=True)
    proposed_criterion = fields.String(allow_none=True, required=True)
    override_reason = fields.String(allow_none=True, required=True)
    classified_by = fields.String(required=True)
    classified_at = fields.DateTime(required=True)


class MetSchema(Schema):
    organ_space = fields.List(fields.String(), required=True)
    deep = fields.List(fields.String(), required=True)
    superficial = fields.List(fields.String(), required=True)


class ProposalSchema(Schema):
    level = fields.String(required=True)
    criterion = fields.String(allow_none=True, required=True)
    reasons = fields.List(fields.String(), required=True)
    notes = fields.List(fields.String(), required=True,
                        metadata={"description": "What her answers suggest to look for."})
    met = fields.Nested(MetSchema, required=True)
    onset_day = fields.Integer(allow_none=True, required=True)


class CaseClassificationSchema(Schema):
    case_id = fields.Integer(required=True)
    version = fields.Integer(required=True, metadata={"description": "The case's version."})
    state = fields.String(required=True)
    classifiable = fields.Boolean(required=True)
    classification = fields.Nested(ClassificationSchema, allow_none=True, required=True)
    proposal = fields.Nested(ProposalSchema, required=True)
