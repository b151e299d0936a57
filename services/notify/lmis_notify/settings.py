"""The notify service's settings: the common ones (`CommonSettings`, `LMIS_*`) plus its own,
prefixed `LMIS_NOTIFY_`. The API and the processor read the same object, so both see the same
clock and the same rules.

    LMIS_NOTIFY_HOST / _PORT                where the API listens (127.0.0.1:8004)
    LMIS_NOTIFY_SCHEMA_NAME                 the service's schema (`notify`)
    LMIS_NOTIFY_AS_OF                       a date: the clock stands still on it (demo, tests)
    LMIS_NOTIFY_PROCESSOR_ID                faust app id = consumer group (`lmis-notify`)
    LMIS_NOTIFY_SOURCES                     domains whose topics it reads (and whose schemas
                                            a rebuild replays)
    LMIS_NOTIFY_BATCH_SIZE                  most events applied in one transaction (500)
    LMIS_NOTIFY_SWEEP_INTERVAL_SECONDS      how often fallen-due deadlines are raised (60)
    LMIS_NOTIFY_EXTENSION_OPENS_DAYS_BEFORE / _CLOSES_DAYS_BEFORE   permit window (45 / 5)
    LMIS_NOTIFY_RETURN_GRACE_DAYS           after a contract's end (30)
    LMIS_NOTIFY_REPORT_DUE_SOON_DAYS        `report_due` this many days before (5)
    LMIS_NOTIFY_RECRUITMENT_WINDOW_DAYS     `suspicious_recruitment`: the rolling window (180),
        _UNLICENSED_THRESHOLD / _ORGANISATION_THRESHOLD   and its thresholds (2 / 3)
    LMIS_NOTIFY_FAMILY_VISIT_INTERVAL_DAYS  next family visit of an overstayer after (90)
    LMIS_NOTIFY_REVOCATION_GRACE_DAYS       `working_after_revocation` after revocation (0)
    LMIS_NOTIFY_REPORT_OBLIGATIONS          JSON: report kind -> filing units (a province
                                            under `monthly` stands for all its communes)
    LMIS_NOTIFY_WEBHOOK_*                   webhook delivery: INTERVAL_SECONDS (1),
                                            TIMEOUT_SECONDS (10), PAUSE_AFTER (10 failures),
                                            BACKOFF_BASE_SECONDS (2) / _CAP_SECONDS (600),
                                            ALLOWED_HOSTS (JSON list; empty: any https host),
                                            ROTATION_OVERLAP_HOURS (24)

The feed processor alone also reads the producers' master keys (`RegistryMasterKey`,
`PermitsMasterKey`: LMIS_REGISTRY_MASTER_KEY / _FILE, LMIS_PERMITS_MASTER_KEY / _FILE, the
same secrets the producers read; in embedded mode their generated local key): with SELECT on
the producers' `person_keys` (`key_sources`), its key grant opens the personal fields a feed's
purpose allows (`adapters/key_grant.py`).
"""

from __future__ import annotations

from datetime import date, datetime, time

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from lmis_notify.domain.recruitment import RecruitmentSettings
from lmis_notify.domain.rules import RuleSettings
from lmis_shared.clock import VIETNAM_TZ, Clock, FixedClock, SystemClock
from lmis_shared.records import record_from
from lmis_shared.settings import MasterKeySettings, ServiceSettings

# The demo province (Lai Châu) files all three kinds of the seeds' reports.
DEMO_OBLIGATIONS = {"monthly": ["12"], "yearly_agencies": ["12"], "yearly_department": ["12"]}


class RegistryMasterKey(MasterKeySettings):
    model_config = SettingsConfigDict(env_prefix="LMIS_REGISTRY_", extra="ignore")


class PermitsMasterKey(MasterKeySettings):
    model_config = SettingsConfigDict(env_prefix="LMIS_PERMITS_", extra="ignore")


PRODUCER_MASTER_KEYS: dict[str, type[MasterKeySettings]] = {
    "registry": RegistryMasterKey,
    "permits": PermitsMasterKey,
}
"""The services whose personal fields feeds carry, and the settings of their master keys."""


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LMIS_NOTIFY_", extra="ignore")

    port: int = Field(8004, ge=1, le=65535, description="the API's port")
    schema_name: str = Field("notify", description="the PostgreSQL schema the service owns")
    as_of: date | None = Field(
        None, description="stand the clock still on this date (a demo's `--as-of`)"
    )
    processor_id: str = Field("lmis-notify", description="faust app id, also the consumer group")
    sources: list[str] = Field(
        ["registry", "permits", "notify", "reporting"],
        description="domains whose event topics the processor reads (reporting: reports filed;"
        " notify: report submissions recorded before reporting filed them)",
    )
    batch_size: int = Field(500, ge=1, description="most events applied in one transaction")
    sweep_interval_seconds: float = Field(
        60.0, gt=0, description="how often the sweeper raises the deadlines that fell due"
    )
    extension_opens_days_before: int = Field(45, ge=1, description="permit extension window")
    extension_closes_days_before: int = Field(5, ge=0, description="permit extension window")
    return_grace_days: int = Field(30, ge=0, description="days after a contract's end")
    report_due_soon_days: int = Field(5, ge=0, description="`report_due` before the due date")
    family_visit_interval_days: int = Field(
        90, ge=1, description="days after a family visit before the next one is due"
    )
    revocation_grace_days: int = Field(
        0, ge=0, description="days after a revocation for the end of employment to be recorded"
    )
    report_obligations: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEMO_OBLIGATIONS.items()},
        description="report kind -> units that file it",
    )

    webhook_interval_seconds: float = Field(
        1.0, gt=0, description="how often the delivery loop looks for due webhook deliveries"
    )
    webhook_timeout_seconds: float = Field(10.0, gt=0, description="one delivery's timeout")
    webhook_pause_after: int = Field(
        10, ge=1, description="failures in a row after which a subscription pauses (alert)"
    )
    webhook_backoff_base_seconds: float = Field(
        2.0, gt=0, description="first retry delay (doubling, full jitter)"
    )
    webhook_backoff_cap_seconds: float = Field(600.0, gt=0, description="longest retry delay")
    webhook_allowed_hosts: list[str] = Field(
        default_factory=list, description="callback hosts allowed (empty: any https host)"
    )
    webhook_rotation_overlap_hours: float = Field(
        24.0, ge=0, description="how long a rotated secret still signs deliveries"
    )

    recruitment_window_days: int = Field(
        180, ge=1, description="suspicious recruitment: the rolling window, in days"
    )
    recruitment_unlicensed_threshold: int = Field(
        2, ge=1, description="contracts through an unlicensed intermediary in one commune"
    )
    recruitment_organisation_threshold: int = Field(
        3, ge=1, description="one organisation's contracts above the fee ceiling plus complaints"
    )

    def recruitment(self) -> RecruitmentSettings:
        return RecruitmentSettings(
            window_days=self.recruitment_window_days,
            unlicensed_threshold=self.recruitment_unlicensed_threshold,
            organisation_threshold=self.recruitment_organisation_threshold,
        )

    def rules(self) -> RuleSettings:
        """The rules' figures as the domain takes them: each is the setting of the same name."""
        return record_from(RuleSettings, self)

    def clock(self) -> Clock:
        if self.as_of is None:
            return SystemClock()
        # noon in Vietnam: unambiguously that calendar day whatever zone reads it
        return FixedClock(datetime.combine(self.as_of, time(12), tzinfo=VIETNAM_TZ))

    def event_sources(self) -> list[str]:
        # notify's own events (report submissions) are in its own schema
        return [domain for domain in self.sources if domain != "notify"]

    def key_sources(self) -> list[str]:
        # the feeds' key grant: the producers' data keys (never their other tables)
        return [domain for domain in self.sources if domain in PRODUCER_MASTER_KEYS]
