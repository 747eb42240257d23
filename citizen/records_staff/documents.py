"""(being built)"""

from flask import Blueprint

blueprint = Blueprint("records_staff_documents", __name__)
