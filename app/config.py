"""Application settings, read once from the environment."""

from pathlib import Path
from typing import Literal

from pydantic import Field, computed_field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "dev-only-secret-change-me-0123456789abcdef"


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

    secret_key: str = DEFAULT_SECRET
    jwt_algorithm: Literal["HS256"] = "HS256"
    jwt_audience: str = "vanguard-points"
    jwt_issuer: str = "vanguard-points"
    access_token_minutes: int = 15
    service_token_minutes: int = 60
    refresh_token_days: int = 14
    cookie_secure: bool = True

    # Sign-in throttle: failures inside the window before a lockout.
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 30
    login_window_seconds: int = 900
    login_lockout_seconds: int = 900

    max_body_bytes: int = 1_048_576
    frontend_dist: Path = Path(__file__).resolve().parent.parent / "frontend" / "dist"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'vanguard.db').resolve()}"

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> "Settings":
        if self.environment == "production" and (
            self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "SECRET_KEY must be set to a random value of at least 32 characters "
                "outside development"
            )
        return self


settings = Settings()
