"""Entry point for gunicorn (``wsgi:app``) and Celery (``-A wsgi:celery``)."""

from citizen.app import create_app

app = create_app()
celery = app.extensions["celery"]
