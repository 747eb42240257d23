from flask import Blueprint

from citizen.extensions import csrf, limiter
from citizen.fhir import (  # noqa: F401  (resources register handlers)
    bundles,
    conformance,
    resources,
    terminology,
    views,
)
from citizen.fhir.errors import FhirError

blueprint = Blueprint("fhir", __name__, url_prefix="/fhir/R4")
csrf.exempt(blueprint)  # bearer tokens, no cookies
# Callers are known systems holding tokens from the (rate-limited) token endpoint; checking
# limits on every FHIR request would cost each of them for nothing.
limiter.exempt(blueprint)

blueprint.add_url_rule("/metadata", view_func=views.metadata, methods=["GET"])
blueprint.add_url_rule("/CodeSystem/<code_system_id>", view_func=terminology.code_system,
                       methods=["GET"])
blueprint.add_url_rule("/StructureDefinition", view_func=conformance.structure_definitions,
                       methods=["GET"])
blueprint.add_url_rule("/StructureDefinition/<definition_id>",
                       view_func=conformance.structure_definition, methods=["GET"])
blueprint.add_url_rule("/Questionnaire", view_func=conformance.questionnaire_search,
                       methods=["GET"])
blueprint.add_url_rule("/Questionnaire/<questionnaire_id>", view_func=conformance.questionnaire,
                       methods=["GET"])
blueprint.add_url_rule("", view_func=bundles.process_bundle, methods=["POST"])
blueprint.add_url_rule("/", endpoint="process_bundle_slash", view_func=bundles.process_bundle,
                       methods=["POST"])
blueprint.add_url_rule("/<resource_type>", view_func=views.search, methods=["GET"])
blueprint.add_url_rule("/<resource_type>", view_func=views.create, methods=["POST"])
blueprint.add_url_rule("/<resource_type>", view_func=views.conditional_update, methods=["PUT"])
blueprint.add_url_rule("/<resource_type>/_search", view_func=views.search, methods=["POST"])
blueprint.add_url_rule("/<resource_type>/<resource_id>", view_func=views.read, methods=["GET"])
blueprint.add_url_rule("/<resource_type>/<resource_id>", view_func=views.update,
                       methods=["PUT"])


@blueprint.errorhandler(FhirError)
def fhir_error(exc: FhirError):
    return exc.response()
