"""Bearer tokens and the authorisation policy, without a web server."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from lmis_cli.embedded import free_port
from lmis_shared.auth import (
    AuthenticationFailed,
    Authorizer,
    IdentityProviderUnavailable,
    JwtAuthenticator,
    Principal,
    Role,
    authenticator_from_settings,
    ensure_local_keypair,
    grant,
    issue_token,
)
from lmis_shared.auth.keys import _load_private_key
from lmis_shared.clock import FixedClock
from lmis_shared.errors import Forbidden, Unseen
from lmis_shared.settings import CommonSettings
from tests.jwks import serving_jwks

ISSUER, AUDIENCE = "lmis-test", "lmis"
LAI_CHAU = "12"
LAI_CHAU_COMMUNE, OTHER_LAI_CHAU_COMMUNE = "03637", "03640"
HA_GIANG_COMMUNE = "00694"  # province 08 since 2025 (Tuyên Quang)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return ensure_local_keypair(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def authenticator(keys: tuple[Path, Path]) -> JwtAuthenticator:
    return JwtAuthenticator.from_public_key_file(keys[1], issuer=ISSUER, audience=AUDIENCE)


def token(private: Path, **overrides: object) -> str:
    claims: dict[str, object] = {
        "subject": "officer-7",
        "role": "commune_officer",
        "scope": LAI_CHAU_COMMUNE,
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "ttl": timedelta(minutes=5),
    }
    claims.update(overrides)
    return issue_token(private, **claims)  # type: ignore[arg-type]


async def test_a_valid_token_gives_the_officer_role_and_scope(
    keys: tuple[Path, Path], authenticator: JwtAuthenticator
) -> None:
    principal = await authenticator.authenticate(token(keys[0]))

    assert principal == Principal("officer-7", Role.COMMUNE_OFFICER, LAI_CHAU_COMMUNE)


async def test_a_token_signed_by_another_key_is_refused(
    tmp_path: Path, authenticator: JwtAuthenticator
) -> None:
    stranger_private, _ = ensure_local_keypair(tmp_path / "stranger")

    with pytest.raises(AuthenticationFailed, match="signature"):
        await authenticator.authenticate(token(stranger_private))


async def test_an_expired_token_is_refused(
    keys: tuple[Path, Path], authenticator: JwtAuthenticator
) -> None:
    an_hour_ago = FixedClock(datetime.now(UTC) - timedelta(hours=1))

    with pytest.raises(AuthenticationFailed, match="expired"):
        await authenticator.authenticate(token(keys[0], clock=an_hour_ago))


async def test_a_token_for_another_audience_is_refused(
    keys: tuple[Path, Path], authenticator: JwtAuthenticator
) -> None:
    with pytest.raises(AuthenticationFailed, match="not meant for this service"):
        await authenticator.authenticate(token(keys[0], audience="someone-else"))


async def test_a_token_from_another_issuer_is_refused(
    keys: tuple[Path, Path], authenticator: JwtAuthenticator
) -> None:
    with pytest.raises(AuthenticationFailed, match="unknown issuer"):
        await authenticator.authenticate(token(keys[0], issuer="https://evil.example"))


@pytest.mark.parametrize(
    ("claim", "value", "reason"),
    [
        ("role", "mayor", "no known role"),
        ("scope", "Lai Chau", "no administrative unit"),
        ("sub", "", "no subject"),
    ],
)
async def test_a_token_without_usable_lmis_claims_is_refused(
    keys: tuple[Path, Path], authenticator: JwtAuthenticator, claim: str, value: str, reason: str
) -> None:
    now = datetime.now(UTC)
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "officer-7", "role": "admin", "scope": "12"}
    claims |= {claim: value}
    forged = jwt.encode(
        {**claims, "iat": now, "exp": now + timedelta(minutes=5)},
        _load_private_key(keys[0]),
        algorithm="RS256",
    )

    with pytest.raises(AuthenticationFailed, match=reason):
        await authenticator.authenticate(forged)


@pytest.mark.parametrize(
    ("role", "scope"), [("commune_officer", "12"), ("province_officer", "03637")]
)
async def test_a_token_whose_scope_is_not_of_its_roles_level_is_refused(
    keys: tuple[Path, Path], authenticator: JwtAuthenticator, role: str, scope: str
) -> None:
    now = datetime.now(UTC)
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "officer-7", "role": role, "scope": scope}
    forged = jwt.encode(
        {**claims, "iat": now, "exp": now + timedelta(minutes=5)},
        _load_private_key(keys[0]),
        algorithm="RS256",
    )

    with pytest.raises(AuthenticationFailed, match="role's level"):
        await authenticator.authenticate(forged)
    with pytest.raises(ValueError, match="role's level"):
        token(keys[0], role=role, scope=scope)


async def test_an_unsigned_token_is_refused(authenticator: JwtAuthenticator) -> None:
    unsigned = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "role": "admin", "scope": "12"},
        key=None,
        algorithm="none",
    )

    with pytest.raises(AuthenticationFailed):
        await authenticator.authenticate(unsigned)


def test_the_private_key_is_readable_by_its_owner_only(keys: tuple[Path, Path]) -> None:
    assert stat.S_IMODE(keys[0].stat().st_mode) == 0o600


def test_the_key_pair_is_generated_once(keys: tuple[Path, Path]) -> None:
    before = keys[0].read_bytes()

    again = ensure_local_keypair(keys[0].parent)

    assert again == keys
    assert keys[0].read_bytes() == before


def test_issuing_a_token_for_an_unknown_role_fails_at_once(keys: tuple[Path, Path]) -> None:
    with pytest.raises(ValueError, match="mayor"):
        token(keys[0], role="mayor")


async def test_embedded_settings_verify_with_the_local_public_key(tmp_path: Path) -> None:
    private, _ = ensure_local_keypair(tmp_path / "keys")
    settings = CommonSettings(data_dir=tmp_path, jwt_issuer=ISSUER, jwt_audience=AUDIENCE)

    principal = await authenticator_from_settings(settings).authenticate(token(private))

    assert principal.subject == "officer-7"


def test_production_settings_without_a_key_source_are_refused(tmp_path: Path) -> None:
    # CommonSettings itself refuses this outside embedded mode; the authenticator checks again
    settings = CommonSettings.model_construct(mode="production", data_dir=tmp_path)

    with pytest.raises(ValueError, match="JWKS"):
        authenticator_from_settings(settings)


# --- authorisation -------------------------------------------------------------------------

commune_officer = Principal("officer-7", Role.COMMUNE_OFFICER, LAI_CHAU_COMMUNE)
province_officer = Principal("officer-8", Role.PROVINCE_OFFICER, LAI_CHAU)
policy = Authorizer()


def test_a_commune_officer_reads_workers_of_their_commune() -> None:
    policy.check(commune_officer, "read", LAI_CHAU_COMMUNE, "worker")


def test_a_commune_officer_may_not_read_another_communes_worker_nor_learn_where_it_is() -> None:
    with pytest.raises(Unseen) as refused:
        policy.check(commune_officer, "read", OTHER_LAI_CHAU_COMMUNE, "worker")
    assert OTHER_LAI_CHAU_COMMUNE not in str(refused.value)


def test_a_refusal_on_an_object_the_caller_may_read_is_a_plain_forbidden() -> None:
    foreign_affairs = Principal("fa-1", Role.FOREIGN_AFFAIRS, "12")
    with pytest.raises(Forbidden) as refused:
        policy.check(foreign_affairs, "write", LAI_CHAU_COMMUNE, "worker")
    assert not isinstance(refused.value, Unseen)


def test_a_province_officer_reaches_every_commune_of_the_province_only() -> None:
    assert policy.allows(province_officer, "write", OTHER_LAI_CHAU_COMMUNE, "worker")
    assert not policy.allows(province_officer, "read", HA_GIANG_COMMUNE, "worker")


def test_an_object_of_unknown_unit_is_out_of_every_scope() -> None:
    assert not policy.allows(province_officer, "read", None, "worker")


def test_the_bank_sees_loans_and_nothing_else() -> None:
    bank = Principal("vbsp-1", Role.BANK, LAI_CHAU)

    assert policy.allows(bank, "write", LAI_CHAU_COMMUNE, "loan")
    assert not policy.allows(bank, "read", LAI_CHAU_COMMUNE, "worker")


def test_the_police_read_identity_but_change_nothing() -> None:
    police = Principal("ca-1", Role.POLICE, LAI_CHAU)

    assert policy.allows(police, "read", LAI_CHAU_COMMUNE, "identity")
    assert not policy.allows(police, "write", LAI_CHAU_COMMUNE, "identity")
    assert not policy.allows(police, "read", LAI_CHAU_COMMUNE, "loan")


def test_an_admin_may_do_anything_anywhere() -> None:
    admin = Principal("root", Role.ADMIN, LAI_CHAU)

    assert policy.allows(admin, "delete", HA_GIANG_COMMUNE, "subscription")
    assert policy.allows(admin, "read", None, "worker")


def test_the_administrative_hierarchy_is_pluggable() -> None:
    # A legacy hierarchy where commune 99999 sat under province 12.
    legacy = Authorizer(unit_in_scope=lambda unit, scope: (unit, scope) == ("99999", "12"))

    assert legacy.allows(province_officer, "read", "99999", "worker")
    assert not legacy.allows(province_officer, "read", OTHER_LAI_CHAU_COMMUNE, "worker")


def test_the_grants_table_is_data_a_service_can_extend() -> None:
    grants = {Role.COMMUNE_OFFICER: (grant(["read"], ["family_visit"]),)}
    visits = Authorizer(grants)

    assert visits.allows(commune_officer, "read", LAI_CHAU_COMMUNE, "family_visit")
    assert not visits.allows(commune_officer, "read", LAI_CHAU_COMMUNE, "worker")


# --- production: keys from the identity provider's JWKS --------------------------------------


@pytest.fixture
def jwks_url(keys: tuple[Path, Path]) -> Iterator[str]:
    """A JWKS endpoint on loopback, as Keycloak serves one."""
    with serving_jwks(keys[0], kid="k1") as url:
        yield url


def keycloak_token(private: Path, kid: str) -> str:
    now = datetime.now(UTC)
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "kc-42", "role": "bank", "scope": "12"}
    return jwt.encode(
        {**claims, "iat": now, "exp": now + timedelta(minutes=5)},
        _load_private_key(private),
        algorithm="RS256",
        headers={"kid": kid},
    )


async def test_a_token_verifies_with_the_identity_providers_jwks(
    keys: tuple[Path, Path], jwks_url: str
) -> None:
    settings = CommonSettings(jwt_jwks_url=jwks_url, jwt_issuer=ISSUER, jwt_audience=AUDIENCE)

    principal = await authenticator_from_settings(settings).authenticate(
        keycloak_token(keys[0], kid="k1")
    )

    assert principal == Principal("kc-42", Role.BANK, "12")


async def test_a_token_naming_a_key_the_provider_does_not_have_is_refused(
    keys: tuple[Path, Path], jwks_url: str
) -> None:
    authenticator = JwtAuthenticator.from_jwks_url(jwks_url, issuer=ISSUER, audience=AUDIENCE)

    with pytest.raises(AuthenticationFailed, match="signing key"):
        await authenticator.authenticate(keycloak_token(keys[0], kid="rotated-away"))


async def test_an_unreachable_identity_provider_is_not_an_authentication_failure(
    keys: tuple[Path, Path],
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/certs"
    authenticator = JwtAuthenticator.from_jwks_url(nobody, issuer=ISSUER, audience=AUDIENCE)

    with pytest.raises(IdentityProviderUnavailable):
        await authenticator.authenticate(keycloak_token(keys[0], kid="k1"))
