"""(being built)"""

from flask import Blueprint

blueprint = Blueprint("records_proxies", __name__)
