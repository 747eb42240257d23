"""(being built)"""

from flask import Blueprint

blueprint = Blueprint("records_access_log", __name__)
