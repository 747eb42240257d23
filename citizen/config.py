"""Settings from the environment, typed and checked once at start.

The embedded default (``APP_ENV=development``) needs no variables at all: SQLite and a
filesystem broker under ``instance/``. Production refuses to start without real secrets
and servers, so a forgotten variable fails loudly instead of running insecurely.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """The environment does not describe a configuration we may start with."""


class AppEnv(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    app_env: AppEnv = AppEnv.DEVELOPMENT
    secret_key: str | None = None
    database_url: str | None = None
    celery_broker_url: str | None = None
    #: Only needed where someone waits for a task's result (the worker integration test).
    celery_result_backend: str | None = None
    public_base_url: str = "http://127.0.0.1:5000"
    #: Largest request body accepted, in bytes; larger bodies get 413 before a view runs.
    max_content_length: int = Field(default=10 * 1024 * 1024, gt=0)
    log_level: str = "INFO"
    #: How often beat asks a worker to run whatever periodic work is due.
    due_work_every_seconds: int = Field(default=60, gt=0)
    #: Console channels for SMS/e-mail, the dev identity provider and demo data.
    dev_features: bool | None = None
    #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host to trust.
    #: Behind one, leaving this 0 makes every citizen look like the proxy: one shared
    #: login rate limit for everybody.
    proxy_hops: int = Field(default=0, ge=0, le=5)
    instance_dir: Path = INSTANCE_DIR

    # Identity numbers at rest (services.people.vault): an HMAC key for lookup, and Fernet
    # keys (comma-separated, newest first) for encryption. Generated in development.
    identity_hash_key: str | None = None
    identity_encryption_keys: str | None = None
    #: PEM private key (RSA or EC) that signs our access tokens; generated in development.
    token_signing_key: str | None = None
    #: The keys that signed before it (PEM blocks, private or public): to rotate, make the
    #: new key TOKEN_SIGNING_KEY and the old one a retired key; remove it once the tokens it
    #: signed have expired (five minutes). Verified and published in the JWK Set meanwhile.
    token_retired_keys: str = ""
    #: Where Flask-Limiter keeps its counters; production needs a shared store (Redis).
    ratelimit_storage_uri: str = "memory://"
    #: Requests per system client on the FHIR API (``limits`` notation, ``;`` between
    #: several), counted in the store above.
    fhir_rate_limit: str = "100/second;3000/minute"

    # Citizen login (ID-porten style OIDC). Unset in development: the built-in dev provider.
    citizen_oidc_issuer: str | None = None
    citizen_oidc_client_id: str | None = None
    citizen_oidc_client_secret: str | None = None
    citizen_oidc_acr: str = "idporten-loa-high"
    # Staff login (HelseID style OIDC). Unset in development: the built-in dev provider.
    staff_oidc_issuer: str | None = None
    staff_oidc_client_id: str | None = None
    staff_oidc_client_secret: str | None = None
    #: HelseID's level for a high-assurance login (BankID, Buypass), not ID-porten's name.
    staff_oidc_acr: str = "Level4"

    # helsenorge.no message exchange over Helsenorge.Messaging's HTTP queue transport.
    #: Base URL of the queues (``<url>/<queue>``); unset in development: messages are logged.
    helsenorge_queue_url: str | None = None
    helsenorge_outbound_queue: str = "helsenorge-in"
    #: Our HER-id and helsenorge's, from Adresseregisteret; the CPA id of our agreement.
    helsenorge_our_her_id: str = "8142987"
    helsenorge_her_id: str = "8142519"
    helsenorge_cpa_id: str | None = None
    #: Shared secret helsenorge signs inbound messages with (HMAC-SHA256).
    helsenorge_inbound_secret: str | None = None

    # Notifications (services/notify). SMS goes by Twilio once TWILIO_ACCOUNT_SID is set,
    # e-mail by SMTP once SMTP_URL is set; without them, the console channel stores them.
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    #: An API key and its secret instead of the auth token (the token still signs webhooks).
    twilio_api_key: str | None = None
    twilio_api_secret: str | None = None
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    #: A Twilio-compatible server instead of https://api.twilio.com (tests, stand-ins).
    twilio_api_base_url: str | None = None
    #: ``smtp://user:password@host:587`` (STARTTLS where offered) or ``smtps://`` (TLS).
    smtp_url: str | None = None
    smtp_from: str = "Min helse <ikke-svar@minhelse.example>"
    #: The national contact and reservation register (Digdir's kontaktregister lookup).
    krr_url: str | None = None
    #: ``HH:MM-HH:MM`` in Europe/Oslo; non-urgent messages wait until it ends. Empty: none.
    notify_quiet_hours: str = "21:00-08:00"
    #: Messages per person per day (Oslo time); urgent ones are never held back.
    notify_daily_cap: int = Field(default=5, gt=0)

    # Pregnancy ultrasound (services/ultrasound).
    #: She may cancel or move a scan herself up to this many hours before it starts.
    ultrasound_cancel_before_hours: int = Field(default=24, ge=0, le=24 * 14)
    #: From this many days before a scan's window ends, the window counts as closing.
    ultrasound_window_closing_days: int = Field(default=7, ge=0, le=28)
    #: Hospitals that book narrower than the national windows (early 11+0–13+6, routine
    #: 17+0–19+6): ``<org number>:<early|routine>=<first>-<last>``, ``;`` between several.
    #: St. Olavs hospital HF books the routine scan in week 18–19.
    ultrasound_hospital_windows: str = "883974832:routine=18+0-19+6"
    #: Hours before the appointment that the reminder goes.
    ultrasound_reminder_hours: int = Field(default=48, ge=1, le=24 * 14)
    #: The reminder SMS asks her to answer JA (confirm) or RING (call me).
    ultrasound_sms_confirmation: bool = True

    # Wound follow-up (services/wound).
    #: How long the SMS dialogue of the questionnaire waits for her next reply.
    wound_sms_dialogue_hours: int = Field(default=48, ge=1, le=24 * 14)
    #: helsenorge's Tjenesteområde code (Volven 7618) for the form task, as NHN assigns it.
    wound_helsenorge_service_area: str | None = None

    # My record (services/records).
    #: The largest document content taken, in bytes (after base64 decoding). Inline data
    #: must also fit the FHIR body limit (5 MB), which base64 fills at about 3.7 MB.
    records_max_document_bytes: int = Field(default=3 * 1024 * 1024, gt=0,
                                            le=64 * 1024 * 1024)

    # Wound follow-up (services/wound). A wound photo's limits (services/wound/photos.py):
    #: The largest photo taken, in bytes, as sent (under MAX_CONTENT_LENGTH, which the
    #: whole request must fit).
    wound_photo_max_bytes: int = Field(default=8 * 1024 * 1024, gt=0, le=64 * 1024 * 1024)
    #: The most pixels (width x height) a photo may declare; more is refused before it is
    #: decoded (a decompression bomb). 48 megapixels: the largest phone cameras' full size.
    wound_photo_max_pixels: int = Field(default=48_000_000, gt=0, le=80_000_000)
    #: Photos per follow-up case.
    wound_photos_per_case: int = Field(default=3, ge=1, le=20)

    @field_validator("ultrasound_hospital_windows")
    @classmethod
    def _hospital_windows(cls, value: str) -> str:
        from services.ultrasound.config import parse_hospital_windows

        parse_hospital_windows(value)
        return value

    @field_validator("notify_quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        import re

        value = value.strip()
        if value and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError("must be HH:MM-HH:MM (e.g. 21:00-08:00), or empty for none")
        return value

    @field_validator("identity_encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: str | None) -> str | None:
        if value:
            from cryptography.fernet import Fernet

            try:
                for key in value.split(","):
                    Fernet(key.strip())
            except ValueError:
                raise ValueError("each key must be a urlsafe-base64 32-byte Fernet key") from None
        return value

    @field_validator("token_signing_key")
    @classmethod
    def _pem_private_key(cls, value: str | None) -> str | None:
        if value:
            from cryptography.hazmat.primitives.serialization import load_pem_private_key

            try:
                load_pem_private_key(value.replace("\\n", "\n").encode(), password=None)
            except ValueError:
                raise ValueError("must be an unencrypted PEM private key") from None
        return value

    @field_validator("token_retired_keys")
    @classmethod
    def _retired_keys(cls, value: str) -> str:
        from services.clients.tokens import load_retired_keys

        try:
            load_retired_keys(value.replace("\\n", "\n"))
        except ValueError:
            raise ValueError("must be PEM keys (private or public, EC or RSA)") from None
        return value

    @field_validator("fhir_rate_limit")
    @classmethod
    def _rate_limits(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError("must be limits such as 100/second;3000/minute") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    @model_validator(mode="after")
    def _production_is_strict(self) -> Settings:
        if self.app_env is not AppEnv.PRODUCTION:
            return self
        problems = []
        if not self.secret_key or len(self.secret_key) < 32:
            problems.append("SECRET_KEY must be set to at least 32 random characters")
        if not self.database_url or self.database_url.startswith("sqlite"):
            problems.append("DATABASE_URL must point at PostgreSQL, not SQLite")
        if not self.celery_broker_url or self.celery_broker_url.startswith(
            ("filesystem", "memory", "sqla")
        ):
            problems.append("CELERY_BROKER_URL must point at Redis or RabbitMQ")
        if self.dev_features:
            problems.append("DEV_FEATURES must be off")
        if not self.public_base_url.startswith("https://"):
            problems.append("PUBLIC_BASE_URL must be https://")
        if not self.identity_hash_key or len(self.identity_hash_key) < 32:
            problems.append("IDENTITY_HASH_KEY must be set to at least 32 random characters")
        if not self.identity_encryption_keys:
            problems.append("IDENTITY_ENCRYPTION_KEYS must be set (Fernet keys, newest first)")
        if not self.token_signing_key:
            problems.append("TOKEN_SIGNING_KEY must be set (PEM private key)")
        if self.ratelimit_storage_uri.startswith("memory"):
            problems.append("RATELIMIT_STORAGE_URI must be a shared store such as redis://")
        if not self.helsenorge_queue_url or not self.helsenorge_inbound_secret:
            problems.append("HELSENORGE_QUEUE_URL and HELSENORGE_INBOUND_SECRET must be set")
        if not self.twilio_account_sid or not (
                self.twilio_auth_token  # it signs Twilio's webhooks even with an API key
                and (self.twilio_from or self.twilio_messaging_service_sid)):
            problems.append("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM or "
                            "TWILIO_MESSAGING_SERVICE_SID must be set")
        if not self.smtp_url:
            problems.append("SMTP_URL must be set")
        if not self.krr_url:
            problems.append("KRR_URL must be set (the contact and reservation register)")
        for who in ("citizen", "staff"):
            if not all(getattr(self, f"{who}_oidc_{f}") for f in ("issuer", "client_id",
                                                                    "client_secret")):
                problems.append(f"{who.upper()}_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET "
                                "must be set")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def is_production(self) -> bool:
        return self.app_env is AppEnv.PRODUCTION

    @property
    def dev_features_on(self) -> bool:
        if self.dev_features is None:
            return not self.is_production
        return self.dev_features


class _ExplicitSettings(Settings):
    """Settings from a given mapping only, not from the process environment."""

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, **_other_sources):
        return (init_settings,)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read settings from ``environ`` (default: the process environment)."""
    try:
        if environ is None:
            return Settings()
        return _ExplicitSettings(**{key.lower(): value for key, value in environ.items()})
    except ValidationError as exc:
        lines = [
            f"{'.'.join(str(p) for p in err['loc']).upper() or 'configuration'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None


def _sqlalchemy_url(url: str) -> str:
    """Use psycopg 3 for the plain ``postgresql://`` URLs that operators usually write."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _development_secret(instance: Path) -> str:
    """Keep one generated key per checkout so every dev process signs sessions alike."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _derived(secret: str | None, purpose: str) -> str:
    """A development key derived from the checkout's secret, different per purpose."""
    assert secret is not None, "production keys are required by validation"
    return hashlib.sha256(f"{purpose}:{secret}".encode()).hexdigest()


def _fernet_key(seed: str) -> str:
    return base64.urlsafe_b64encode(bytes.fromhex(seed)).decode()


def _development_signing_key(instance: Path) -> str:
    """One EC P-256 key per checkout, so tokens survive restarts of the dev server."""
    path = instance / "token_signing_key.pem"
    if not path.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(ec.SECP256R1())
        instance.mkdir(parents=True, exist_ok=True)
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        path.chmod(0o600)
    return path.read_text()


def _oidc(settings: Settings, who: str) -> dict[str, str | None]:
    """An OIDC client's settings; issuer None means the built-in dev identity provider."""
    return {
        "issuer": getattr(settings, f"{who}_oidc_issuer"),
        "client_id": getattr(settings, f"{who}_oidc_client_id"),
        "client_secret": getattr(settings, f"{who}_oidc_client_secret"),
        "acr": getattr(settings, f"{who}_oidc_acr"),
    }


def flask_config(settings: Settings) -> dict[str, Any]:
    """Translate settings into the Flask/extension configuration keys."""
    instance = settings.instance_dir
    dev_secret = None if settings.is_production else _development_secret(instance)
    database_url = _sqlalchemy_url(
        settings.database_url or f"sqlite:///{instance / 'minhelse.sqlite'}"
    )
    broker_url = settings.celery_broker_url or "filesystem://"
    broker_options: dict[str, Any] = {}
    if broker_url == "filesystem://":
        # Both directions share one folder: producers and consumers are different processes.
        folder = str(instance / "broker")
        broker_options = {"data_folder_in": folder, "data_folder_out": folder,
                          "control_folder": str(instance / "broker-control")}
    return {
        "APP_ENV": settings.app_env.value,
        "SECRET_KEY": settings.secret_key or dev_secret,
        "IDENTITY_HASH_KEY": (settings.identity_hash_key or _derived(dev_secret, "hash")).encode(),
        "IDENTITY_ENCRYPTION_KEYS": tuple(
            k.strip() for k in (settings.identity_encryption_keys
                                or _fernet_key(_derived(dev_secret, "fernet"))).split(",")
        ),
        "TOKEN_SIGNING_KEY": (settings.token_signing_key.replace("\\n", "\n")
                              if settings.token_signing_key
                              else _development_signing_key(instance)),
        "TOKEN_RETIRED_KEYS": settings.token_retired_keys.replace("\\n", "\n"),
        "RATELIMIT_STORAGE_URI": settings.ratelimit_storage_uri,
        "RATELIMIT_HEADERS_ENABLED": True,
        "FHIR_RATE_LIMIT": settings.fhir_rate_limit,
        "CITIZEN_OIDC": _oidc(settings, "citizen"),
        "STAFF_OIDC": _oidc(settings, "staff"),
        "HELSENORGE": {
            "queue_url": settings.helsenorge_queue_url,
            "outbound_queue": settings.helsenorge_outbound_queue,
            "our_her_id": settings.helsenorge_our_her_id,
            "her_id": settings.helsenorge_her_id,
            "cpa_id": settings.helsenorge_cpa_id,
            "inbound_secret": (settings.helsenorge_inbound_secret
                               or _derived(dev_secret, "helsenorge")),
        },
        "NOTIFY": {
            "twilio": {
                "account_sid": settings.twilio_account_sid,
                "auth_token": settings.twilio_auth_token,
                "api_key": settings.twilio_api_key,
                "api_secret": settings.twilio_api_secret,
                "from_": settings.twilio_from,
                "messaging_service_sid": settings.twilio_messaging_service_sid,
                "api_base_url": settings.twilio_api_base_url,
            },
            "smtp_url": settings.smtp_url,
            "smtp_from": settings.smtp_from,
            "krr_url": settings.krr_url,
            "quiet_hours": settings.notify_quiet_hours,
            "daily_cap": settings.notify_daily_cap,
        },
        "ULTRASOUND": {
            "cancel_before_hours": settings.ultrasound_cancel_before_hours,
            "window_closing_days": settings.ultrasound_window_closing_days,
            "hospital_windows": settings.ultrasound_hospital_windows,
            "reminder_hours": settings.ultrasound_reminder_hours,
            "sms_confirmation": settings.ultrasound_sms_confirmation,
            "calendar_host": urlsplit(settings.public_base_url).hostname or "localhost",
        },
        "WOUND": {
            "sms_dialogue_hours": settings.wound_sms_dialogue_hours,
            "helsenorge_service_area": settings.wound_helsenorge_service_area,
        },
        "RECORDS_MAX_DOCUMENT_BYTES": settings.records_max_document_bytes,
        "WOUND_PHOTO_MAX_BYTES": settings.wound_photo_max_bytes,
        "WOUND_PHOTO_MAX_PIXELS": settings.wound_photo_max_pixels,
        "WOUND_PHOTOS_PER_CASE": settings.wound_photos_per_case,
        #: Sessions end after 30 idle minutes and 12 hours in any case.
        "SESSION_IDLE_TIMEOUT": 30 * 60,
        "SESSION_ABSOLUTE_TIMEOUT": 12 * 3600,
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # A database error's message would otherwise carry the statement's parameters
        # (names, birth dates, identity hashes, ciphertext) into the log line of a 500.
        # No pool_pre_ping: connections idle a while are tested instead (services/db.py).
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        "MAX_CONTENT_LENGTH": settings.max_content_length,
        "PUBLIC_BASE_URL": settings.public_base_url.rstrip("/"),
        "PREFERRED_URL_SCHEME": settings.public_base_url.split(":", 1)[0],
        "LOG_LEVEL": settings.log_level,
        "DEV_FEATURES": settings.dev_features_on,
        "PROXY_HOPS": settings.proxy_hops,
        "INSTANCE_DIR": str(instance),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.is_production,
        "BABEL_DEFAULT_LOCALE": "nb",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Oslo",
        "CELERY": {
            "broker_url": broker_url,
            "broker_transport_options": broker_options,
            "result_backend": settings.celery_result_backend,
            "beat_schedule": {
                "run-due-work": {
                    "task": "jobs.run_due",
                    "schedule": float(settings.due_work_every_seconds),
                },
            },
        },
    }
