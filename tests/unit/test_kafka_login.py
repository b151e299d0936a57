"""A relay or processor logs in to an authenticated Kafka listener as its own user; the same
settings speak each client library's words (kafka-python, aiokafka, faust)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from lmis_shared.processing import make_app
from lmis_shared.settings import CommonSettings


def login_settings(tmp_path: Path, **more: object) -> CommonSettings:
    return CommonSettings(
        data_dir=tmp_path,
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_username="registry-relay",
        kafka_password="s3cret-from-strimzi",  # type: ignore[arg-type]
        **more,  # type: ignore[arg-type]
    )


def test_a_plaintext_listener_needs_no_login(tmp_path: Path) -> None:
    assert CommonSettings(data_dir=tmp_path).kafka_login() is None


def test_sasl_without_a_user_and_password_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="LMIS_KAFKA_USERNAME and LMIS_KAFKA_PASSWORD"):
        CommonSettings(data_dir=tmp_path, kafka_security_protocol="SASL_PLAINTEXT")


def test_the_relay_and_the_broker_check_get_the_same_login(tmp_path: Path) -> None:
    login = login_settings(tmp_path).kafka_login()
    assert login is not None

    assert login.kafka_python() == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "registry-relay",
        "sasl_plain_password": "s3cret-from-strimzi",
    }
    assert login.aiokafka() == login.kafka_python()
    assert "s3cret" not in repr(login)  # never in a log line


def test_a_processor_app_carries_the_credentials_to_its_consumers(tmp_path: Path) -> None:
    app = make_app("lmis-test", login_settings(tmp_path))

    credentials = app.conf.broker_credentials
    assert credentials is not None
    assert (credentials.username, credentials.password) == ("registry-relay", "s3cret-from-strimzi")
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    assert credentials.protocol.value == "SASL_PLAINTEXT"
