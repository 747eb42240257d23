"""The baseline of every benchmark: Flask with nothing added, answering what ``/healthz`` does.

    gunicorn --config docker/gunicorn.conf.py --pythonpath bench bare_flask:app
"""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")
