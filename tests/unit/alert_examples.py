"""Events of the streams notify follows, as their producers' stores would number them (for the
alert tests, unit and integration)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from lmis_shared.contracts import permits as p
from lmis_shared.contracts import registry as r
from lmis_shared.events import EventMetadata, EventPayload, RecordedEvent
from lmis_shared.processing import Decoded

COMMUNE, PROVINCE = "03637", "12"


class Stream:
    """One aggregate's events, numbered as its producer's store would number them."""

    def __init__(self, stream_type: str) -> None:
        self.id = uuid4()
        self.stream_type = stream_type
        self.version = 0

    def event(self, payload: EventPayload) -> Decoded:
        self.version += 1
        recorded = RecordedEvent(
            metadata=EventMetadata(
                event_id=uuid4(),
                event_type=payload.event_type,
                stream_id=self.id,
                stream_type=self.stream_type,
                stream_version=self.version,
                recorded_at=datetime.now(UTC),
                actor="officer-1",
                correlation_id=uuid4(),
                source="/lmis/test",
            ),
            data=payload.model_dump(mode="json"),
        )
        return Decoded(recorded, payload)


def worker_registered() -> r.WorkerRegistered:
    return r.WorkerRegistered(
        person=r.Person(
            full_name="Lò Thị Mai", date_of_birth=date(1998, 4, 12), citizen_id="012198001234"
        ),
        sex=r.Sex.female,
        ethnicity="03",
        commune_code=COMMUNE,
        province_code=PROVINCE,
        registered_on=date(2026, 1, 5),
    )


def contract_signed(end: date) -> r.WorkerContractSigned:
    return r.WorkerContractSigned(
        destination_country="KR",
        programme="eps",
        sending_organisation=r.SendingOrganisation(
            kind=r.SendingOrganisationKind.public_service_centre
        ),
        employer="Hanil Co.",
        sector=r.Sector.manufacturing,
        start_date=date(2026, 3, 1),
        duration_months=3,
        end_date=end,
        monthly_salary_vnd=35_000_000,
        fees_vnd={"service": 0},
        signed_on=date(2026, 2, 1),
    )


def foreign_worker_registered(
    engaged_on: date, commune: str = COMMUNE, province: str = PROVINCE
) -> p.ForeignWorkerRegistered:
    return p.ForeignWorkerRegistered(
        person=p.ForeignPerson(
            full_name="KIM MIN JUN", passport_number="M12345678", date_of_birth=date(1985, 7, 21)
        ),
        sex=p.Sex.male,
        nationality="KR",
        employer_tax_code="1101234567",
        position=p.PositionType.expert,
        commune_code=commune,
        province_code=province,
        engaged_on=engaged_on,
    )
