"""Application settings, read once from the environment."""

import contextlib
import hashlib
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, computed_field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEY_FILE = "secret_key"
MIN_SECRET_KEY_LENGTH = 32
# SHA-256 of signing keys once published in this repository's source: refused if configured.
_PUBLISHED_KEYS = frozenset(
    {"bc586500685fe849de5194fa14effec739345b892b48f656221f22ed25cb38ef"},
)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def load_or_create_secret_key(data_dir: Path) -> str:
    """The installation's signing key: read from DATA_DIR, or made at random on first start.

    Written to a private temporary file and hard-linked into place, so of several processes
    starting at once exactly one key wins and nobody reads a half-written file."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SECRET_KEY_FILE
    if not path.exists():
        tmp = data_dir / f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):  # another process made it first
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ValueError(f"{path} holds no usable key; delete it to make a new one")
    return key


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    database_url: str | None = None
    # PostgreSQL connections each process keeps open. A fixed pool, no overflow: a connection
    # opened beyond the pool is closed again on return, and under load that churn (a server
    # process forked, sign-in, type set-up) cost more than the requests' own queries. Past the
    # pool, requests wait (up to database_pool_timeout seconds) for a connection.
    database_pool_size: int = Field(default=20, ge=1, le=200)
    database_max_overflow: int = Field(default=0, ge=0, le=200)
    database_pool_timeout: float = Field(default=30.0, gt=0)
    redis_url: str | None = None

    # Empty: the key made at first start and kept in DATA_DIR/secret_key (mode 0600).
    secret_key: str = Field(default="", repr=False)
    jwt_algorithm: Literal["HS256"] = "HS256"
    jwt_audience: str = "vanguard-points"
    jwt_issuer: str = "vanguard-points"
    access_token_minutes: int = 15
    service_token_minutes: int = 60
    refresh_token_days: int = 14
    # A refresh token presented again within this many seconds of its rotation is a concurrent
    # use (several tabs at once) and gets the family's current token; later, it is reuse and
    # revokes the whole sign-in.
    refresh_grace_seconds: int = Field(default=10, ge=0, le=60)
    cookie_secure: bool = True

    # Addresses (or CIDR ranges, comma-separated; "*" for any) of reverse proxies whose
    # X-Forwarded-For/-Proto are believed. Empty: none, the peer address is the client.
    forwarded_allow_ips: str = "127.0.0.1"
    # Origins besides the service's own that may call the cookie endpoints (comma-separated).
    allowed_origins: str = ""
    # Bearer token /metrics asks for; unset, /metrics is not served.
    metrics_token: str = Field(default="", repr=False)
    # Serving the demo accounts (a published password) on an address other than loopback.
    allow_public_demo: bool = False

    # Sign-in throttle. An account (or client id) gets progressive waits after
    # login_max_failures_per_account failures: login_account_delay_seconds, doubling with
    # each further failure, at most login_account_max_delay_seconds. An address is locked for
    # login_lockout_seconds after login_max_failures_per_address failures in the window, and
    # for one account after login_max_failures_per_account_and_address (so a stranger cannot
    # keep a member out for longer than the progressive waits).
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_account_delay_seconds: int = Field(default=30, ge=1)
    login_account_max_delay_seconds: int = Field(default=300, ge=1)
    login_max_failures_per_account_and_address: int = Field(default=10, ge=1)
    login_max_failures_per_address: int = Field(default=30, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    login_lockout_seconds: int = Field(default=900, ge=1)
    # Evaluation codes (扫码评议): an address that tries this many codes that do not exist in
    # login_window_seconds is refused look-ups for login_lockout_seconds. A village hall shares
    # one address, so only unknown codes count, never good or spent ones.
    evaluation_code_max_failures_per_address: int = Field(default=20, ge=1)
    # The address printed in the evaluation codes' QR codes (e.g. https://points.example.org);
    # empty: the address the secretary's request came to.
    public_url: str = ""

    # Passwords people choose: at least this long, not common, not their own names.
    password_min_length: int = Field(default=8, ge=8, le=128)
    # Argon2 hashes computed at once per process (each takes tens of MiB and a CPU core);
    # more sign-ins queue for a slot instead of starving the event loop.
    password_hash_threads: int = Field(default=2, ge=1, le=32)

    max_body_bytes: int = 1_048_576
    frontend_dist: Path = Path(__file__).resolve().parent.parent / "frontend" / "dist"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'vanguard.db').resolve()}"

    @property
    def trusted_proxies(self) -> list[str]:
        return [p for p in self.forwarded_allow_ips.replace(" ", ",").split(",") if p]

    @property
    def extra_origins(self) -> frozenset[str]:
        return frozenset(
            o.rstrip("/").lower() for o in self.allowed_origins.replace(" ", ",").split(",") if o
        )

    @model_validator(mode="after")
    def _refuse_unsafe_keys(self) -> "Settings":
        if not self.secret_key:
            self.secret_key = load_or_create_secret_key(self.data_dir)
        if len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"SECRET_KEY must be a random value of at least {MIN_SECRET_KEY_LENGTH} "
                "characters (or unset, to use the key kept in DATA_DIR)"
            )
        if _digest(self.secret_key) in _PUBLISHED_KEYS:
            raise ValueError("SECRET_KEY is a published value; set a random one")
        return self


settings = Settings()
