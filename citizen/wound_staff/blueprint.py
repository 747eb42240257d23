from flask import Blueprint

from citizen.wound_staff import cases, classification, exports, statistics

blueprint = Blueprint("wound_staff", __name__, url_prefix="/staff/ssi")
for area in (cases, classification, statistics, exports):
    area.add_routes(blueprint)
