"""(being built)"""

from flask import Blueprint

blueprint = Blueprint("records_staff_questions", __name__)
