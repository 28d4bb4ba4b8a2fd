"""The one Settings object, read from the environment (and an optional .env file). Documented in .env.example."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TACIT_", env_file=".env", extra="ignore")

    # Storage
    data_dir: Path = Field(default=Path("./data"), description="Folder for the SQLite file and the embedded index.")
    database_url: str | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL; default sqlite:///<data_dir>/tacit.db. PostgreSQL: postgresql+psycopg://...",
    )
    # Vectors
    qdrant_url: str | None = Field(default=None, validation_alias="QDRANT_URL")
    qdrant_api_key: SecretStr | None = Field(default=None, validation_alias="QDRANT_API_KEY")
    qdrant_collection: str = "tacit_guides"
    embedding_backend: Literal["onnx", "torch"] = "onnx"  # onnx: ONNX Runtime, no torch in the serving process
    embedding_threads: int = 1  # threads per embedding call; 0 = the backend's default (all cores)
    embedding_model_path: Path | None = Field(
        default=None, description="A local sentence-transformers folder; default: the bundled all-MiniLM-L6-v2."
    )
    # LLM (offline engines when no key and no base URL is set)
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = 20.0
    llm_max_retries: int = 2
    llm_prompt_token_budget: int = 6000
    # With an LLM: it judges terse answers against the rubric, after the offline model screens out answers
    # scoring below llm_judge_screen (no call is made for them); false keeps detection offline.
    llm_judge: bool = True
    llm_judge_screen: float = Field(default=0.25, ge=0.0, le=1.0)
    # Detection and nudges (defaults; each community may override its threshold)
    terse_threshold: float = 0.55
    # Below this many outcome labels a community nudges only its most confident answers (about the top 10%),
    # relaxing as labels arrive; 0 turns the cold start off.
    cold_start_labels: int = Field(default=50, ge=0)
    nudges_per_week: int = 3
    quiet_hours: str = "20-8"  # local hours in which no nudge is delivered, "start-end"; "" for none
    nudge_max_age_days: int = 30  # older answers are assessed but never nudged
    # Personal data and secrets (each community chooses redact or hold)
    pii_scan: bool = True
    # Off by default: the small NER model tags tool names ("Kafka", "Ping") as people (precision 0.66 measured).
    pii_person_names: bool = False
    # Jobs
    job_workers: int = 1
    job_runner: Literal["inprocess", "procrastinate"] = "inprocess"  # procrastinate: `tacit worker` processes run jobs
    job_heartbeat_s: float = Field(default=10.0, gt=0)  # procrastinate workers; 3 missed beats: its jobs are retried
    job_queue_url: str | None = None  # procrastinate's PostgreSQL; default: DATABASE_URL
    # Limits
    max_message_chars: int = 20_000
    max_batch_messages: int = 1000
    max_body_bytes: int = 5_000_000
    rate_limit_writes: str = "120/minute"  # per person, on POST/PUT/PATCH/DELETE
    rate_limit_storage: str = "memory://"  # redis://127.0.0.1:6379 when several processes serve the API
    # Optional OIDC/JWT bearer tokens (besides Tacit's own API tokens)
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_jwks_file: Path | None = None
    oidc_handle_claim: str = "preferred_username"
    # Pages sign in with OIDC (authorization code + PKCE) when a client id is set too; endpoints come from
    # <issuer>/.well-known/openid-configuration unless given. People are matched by issuer + subject.
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None  # none for a public client (PKCE alone)
    oidc_discovery_url: str | None = None  # default: <issuer>/.well-known/openid-configuration
    oidc_scopes: str = "openid profile email"
    # Connectors (README "Connectors"): secrets come from the environment only and are never logged
    slack_signing_secret: SecretStr | None = None  # verifies Events API requests (v0 HMAC-SHA256)
    slack_bot_token: SecretStr | None = None  # xoxb-...: users.info, conversations.open, chat.postMessage
    slack_api_url: str = "https://slack.com/api"
    slack_guide_reaction: str = "bookmark"  # a reaction on a thread that asks Tacit for a guide from it
    slack_modal_timeout_s: float = 2.0  # views.open runs inside Slack's 3 s; slower answers degrade to a DM link
    discourse_url: str | None = None  # https://forum.example.com
    discourse_api_key: SecretStr | None = None
    discourse_api_username: str = "system"  # the user nudge PMs come from
    discourse_webhook_secret: SecretStr | None = None
    teams_security_token: SecretStr | None = None  # the outgoing webhook's base64 HMAC key
    teams_incoming_webhook_url: SecretStr | None = None  # the URL carries its own secret
    connector_timeout_s: float = 10.0
    connector_max_wait_s: float = 30.0  # the longest Retry-After a job waits out; longer ones retry later
    # Pages (web/): browser sessions and the links Tacit puts in chat and LTI
    public_url: str = "http://127.0.0.1:8000"  # the base of every link Tacit sends out
    session_secret: SecretStr | None = None  # signs session and CSRF cookies; default: a file in data_dir
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)  # a browser session lasts this long
    sign_in_link_minutes: float = Field(default=15.0, gt=0, le=7 * 24 * 60)  # a one-time sign-in link's life
    # xAPI out (docs/analytics.md): statements go to this LRS in batches, by a job, when the endpoint is set
    xapi_endpoint: str | None = None  # e.g. https://lrs.example.org/xAPI
    xapi_username: str | None = None  # basic auth
    xapi_password: SecretStr | None = None
    xapi_version: str = "1.0.3"  # the X-Experience-API-Version header
    xapi_batch_size: int = Field(default=100, ge=1, le=1000)
    xapi_interval_s: float = Field(default=300.0, ge=10.0)
    # keys the pseudonyms of Chatham House communities' people; default: a random key kept in data_dir
    xapi_pseudonym_key: SecretStr | None = None  # at least 16 characters (checked when the LRS is set up)
    # LTI 1.3 (docs/analytics.md): Tacit as a tool; its RSA key signs deep-linking answers and service tokens
    lti_private_key_file: Path | None = None  # default: <data_dir>/lti_key.pem, created on first start
    lti_state_max_age_s: int = Field(default=600, ge=30)  # from login initiation to launch
    # Serving
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"

    @property
    def llm_configured(self) -> bool:
        return self.openai_api_key is not None or self.openai_base_url is not None

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'tacit.db'}"
