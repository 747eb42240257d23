"""(being built)"""

from flask import Blueprint

blueprint = Blueprint("records_privacy", __name__)
