"""The relay's own settings (`LMIS_RELAY_*`); where the database and broker are comes from
`CommonSettings`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RelaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LMIS_RELAY_", extra="ignore")

    batch_size: int = Field(500, ge=1, description="events read and published per round")
    poll_interval: float = Field(
        0.2,
        gt=0,
        description="seconds between polls of the store when it had nothing new (with "
        "wake_on_commit, only the fallback when no signal comes)",
    )
    wake_on_commit: bool = Field(
        True,
        description="listen for the event store's commit signal (LISTEN/NOTIFY) and publish at "
        "once; the poll stays the fallback. False: poll only",
    )
    chase_interval: float = Field(
        0.003,
        gt=0,
        description="first wait, in seconds, before looking again for a signalled commit an "
        "older transaction still holds back; grows by a quarter per look, up to 25 ms",
    )
    partitions: int = Field(3, ge=1, description="partitions of a topic the relay creates")
    replication_factor: int = Field(
        -1, ge=-1, description="replication of a topic the relay creates; -1: broker default"
    )
    kafka_timeout: float = Field(
        5.0, gt=0, description="seconds to connect to the broker or get a request answered"
    )
    cluster_check_interval: float = Field(
        2.0, ge=0, description="seconds between checks that the broker is still the same cluster"
    )
    retry_initial: float = Field(0.2, gt=0, description="first wait after a failure, seconds")
    retry_max: float = Field(10.0, gt=0, description="longest wait between retries, seconds")
    standby_interval: float = Field(
        1.0,
        gt=0,
        description="seconds between asks for the lock while another relay of the service leads",
    )
    lock_timeout: float = Field(
        10.0, gt=0, description="seconds to connect or get an answer on the lock's connection"
    )
