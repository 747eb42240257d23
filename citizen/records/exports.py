"""(being built)"""

from flask import Blueprint

blueprint = Blueprint("records_exports", __name__)
