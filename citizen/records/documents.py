"""(being built)"""

from flask import Blueprint

blueprint = Blueprint("records_documents", __name__)
