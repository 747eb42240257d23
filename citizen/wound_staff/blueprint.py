from flask import Blueprint

from citizen.wound_staff import (
    cases,
    classification,
    exports,
    phone_answer,
    statistics,
    worklist_page,
)

blueprint = Blueprint("wound_staff", __name__, url_prefix="/staff/ssi")
for area in (worklist_page, cases, phone_answer, classification, statistics, exports):
    area.add_routes(blueprint)
