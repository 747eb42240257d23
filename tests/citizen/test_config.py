"""Configuration: the embedded default needs nothing; production refuses unsafe settings."""

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from citizen.config import ConfigError, flask_config, load_settings

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "DATABASE_URL": "postgresql://minhelse@db/minhelse",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
    "PUBLIC_BASE_URL": "https://minhelse.example.no",
    "IDENTITY_HASH_KEY": "h" * 40,
    "IDENTITY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "TOKEN_SIGNING_KEY": ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode().replace("\n", "\\n"),
    "RATELIMIT_STORAGE_URI": "redis://redis:6379/1",
    "HELSENORGE_QUEUE_URL": "https://mq.nhn.no/queues",
    "HELSENORGE_INBOUND_SECRET": "i" * 40,
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "t" * 32,
    "TWILIO_MESSAGING_SERVICE_SID": "MG" + "0" * 32,
    "SMTP_URL": "smtp://mail.example.no:587",
    "KRR_URL": "https://krr.difi.no/rest/v2",
    **{f"{who}_OIDC_{field}": value
       for who in ("CITIZEN", "STAFF")
       for field, value in (("ISSUER", "https://idp.example.no"), ("CLIENT_ID", "minhelse"),
                            ("CLIENT_SECRET", "s3cret"))},
}


def test_embedded_default_needs_no_environment(tmp_path):
    config = flask_config(load_settings({"INSTANCE_DIR": str(tmp_path)}))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'minhelse.sqlite'}"
    assert config["CELERY"]["broker_url"] == "filesystem://"
    assert config["DEV_FEATURES"] is True
    assert len(config["SECRET_KEY"]) >= 32
    # the generated development key is stable across processes of one checkout
    assert flask_config(load_settings({"INSTANCE_DIR": str(tmp_path)}))["SECRET_KEY"] == (
        config["SECRET_KEY"]
    )


def test_complete_production_configuration_is_accepted():
    config = flask_config(load_settings(PRODUCTION))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://minhelse@db/minhelse"
    assert config["DEV_FEATURES"] is False
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SECRET_KEY"] == "s" * 40
    assert config["IDENTITY_HASH_KEY"] == b"h" * 40
    assert config["TOKEN_SIGNING_KEY"].startswith("-----BEGIN PRIVATE KEY-----\n")


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DATABASE_URL": "sqlite:///x.sqlite"}, "DATABASE_URL"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"CELERY_BROKER_URL": "filesystem://"}, "CELERY_BROKER_URL"),
        ({"DEV_FEATURES": "true"}, "DEV_FEATURES"),
        ({"PUBLIC_BASE_URL": "http://minhelse.example.no"}, "PUBLIC_BASE_URL"),
        ({"IDENTITY_HASH_KEY": None}, "IDENTITY_HASH_KEY"),
        ({"IDENTITY_ENCRYPTION_KEYS": None}, "IDENTITY_ENCRYPTION_KEYS"),
        ({"IDENTITY_ENCRYPTION_KEYS": "not-a-key"}, "IDENTITY_ENCRYPTION_KEYS"),
        ({"TOKEN_SIGNING_KEY": None}, "TOKEN_SIGNING_KEY"),
        ({"TOKEN_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----"}, "TOKEN_SIGNING_KEY"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "RATELIMIT_STORAGE_URI"),
        ({"CITIZEN_OIDC_ISSUER": None}, "CITIZEN_OIDC"),
        ({"HELSENORGE_QUEUE_URL": None}, "HELSENORGE_QUEUE_URL"),
        ({"STAFF_OIDC_CLIENT_SECRET": None}, "STAFF_OIDC"),
        ({"TWILIO_ACCOUNT_SID": None}, "TWILIO_ACCOUNT_SID"),
        ({"TWILIO_AUTH_TOKEN": None}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_MESSAGING_SERVICE_SID": None}, "TWILIO_FROM"),
        ({"SMTP_URL": None}, "SMTP_URL"),
        ({"KRR_URL": None}, "KRR_URL"),
        ({"NOTIFY_QUIET_HOURS": "21-08"}, "NOTIFY_QUIET_HOURS"),
    ],
)
def test_production_refuses_unsafe_settings(change, complaint):
    environ = {k: v for k, v in {**PRODUCTION, **change}.items() if v is not None}
    with pytest.raises(ConfigError, match=complaint):
        load_settings(environ)


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({"MAX_CONTENT_LENGTH": "lots"}, "MAX_CONTENT_LENGTH"),
        ({"MAX_CONTENT_LENGTH": "-1"}, "MAX_CONTENT_LENGTH"),
        ({"APP_ENV": "staging"}, "APP_ENV"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_malformed_values_name_the_variable(environ, complaint):
    with pytest.raises(ConfigError, match=complaint):
        load_settings(environ)


def test_app_factory_refuses_to_start_in_unsafe_production(monkeypatch):
    from citizen.app import create_app

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
