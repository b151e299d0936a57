"""Import of the ministry's published list of licensed sending enterprises (CSV or XLSX with
Vietnamese headings), through the shared import machinery (`lmis_shared.imports`).

Each row is the register's own command, validated as a request body is: a licence number not
in the register is registered (`imported: true`), one already there is updated with what the
list says (nothing recorded when nothing changed: the row counts as skipped). Re-importing the
same list therefore changes nothing; importing next month's list records exactly the changes
(a new market, a revoked licence). Rows go one by one through the command path: the list holds
hundreds of rows, not hundreds of thousands.
"""

from __future__ import annotations

from lmis_registry.application.sender_ports import SenderDirectory
from lmis_registry.application.senders import MAINTAINERS, SendingOrganisations, require_role
from lmis_registry.domain import senders
from lmis_shared.auth import Principal
from lmis_shared.commands import CommandContext
from lmis_shared.contracts.registry import SendingOrganisationKind
from lmis_shared.contracts.registry_senders import LicenceStatus
from lmis_shared.errors import DomainError, InvalidInput
from lmis_shared.imports import (
    Column,
    ImportSummary,
    Row,
    RowRejected,
    Table,
    Template,
    build_command,
    choice,
    vietnamese_date,
)
from lmis_shared.reference.ethnicities import fold

KIND_LABELS = {
    "Doanh nghiệp": SendingOrganisationKind.licensed_enterprise.value,
    "Doanh nghiệp dịch vụ": SendingOrganisationKind.licensed_enterprise.value,
    "Đơn vị sự nghiệp": SendingOrganisationKind.public_service_centre.value,
    "Trung tâm dịch vụ việc làm": SendingOrganisationKind.public_service_centre.value,
}
STATUS_LABELS = {
    "Đang hoạt động": LicenceStatus.active.value,
    "Còn hiệu lực": LicenceStatus.active.value,
    "Đình chỉ": LicenceStatus.suspended.value,
    "Tạm đình chỉ": LicenceStatus.suspended.value,
    "Thu hồi": LicenceStatus.revoked.value,
    "Hết hạn": LicenceStatus.expired.value,
}
# The markets as the ministry's list names them; ISO codes are accepted as written.
MARKET_NAMES = {
    "Nhật Bản": "JP",
    "Hàn Quốc": "KR",
    "Đài Loan": "TW",
    "Đài Loan (Trung Quốc)": "TW",
    "Singapore": "SG",
    "Ma-lai-xi-a": "MY",
    "Malaysia": "MY",
    "Úc": "AU",
    "Ô-xtrây-li-a": "AU",
    "Đức": "DE",
    "Ru-ma-ni": "RO",
    "Romania": "RO",
    "Ba Lan": "PL",
    "Hung-ga-ri": "HU",
    "Trung Đông": "SA",
    "Ả Rập Xê Út": "SA",
}
_MARKETS = {fold(name): code for name, code in MARKET_NAMES.items()}


def markets(text: str) -> list[str]:
    found = []
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        code = _MARKETS.get(fold(part)) or (part.upper() if len(part) == 2 else None)
        if code is None:
            raise ValueError("each market must be a country name of the list or an ISO code")
        found.append(code)
    return found


SENDER_TEMPLATE = Template(
    name="mau_nhap_doanh_nghiep_dua_nguoi_lao_dong_di",
    sheet="Doanh nghiệp",
    columns=(
        Column(
            "Tên doanh nghiệp",
            "name",
            required=True,
            example="Công ty Cổ phần Nhân lực Quốc tế Sona",
            aliases=("Tên tổ chức", "Tên đơn vị"),
        ),
        Column(
            "Số giấy phép",
            "licence_number",
            example="123/LĐTBXH-GP",
            help="Bỏ trống với đơn vị sự nghiệp công lập.",
            aliases=("Giấy phép số",),
        ),
        Column(
            "Loại",
            "kind",
            example="Doanh nghiệp",
            help="Doanh nghiệp (mặc định) hoặc Đơn vị sự nghiệp.",
            parse=choice(KIND_LABELS),
        ),
        Column(
            "Tình trạng giấy phép",
            "licence_status",
            example="Đang hoạt động",
            parse=choice(STATUS_LABELS),
            aliases=("Tình trạng",),
        ),
        Column("Ngày cấp", "licensed_on", example="01/03/2022", parse=vietnamese_date),
        Column("Ngày hết hạn", "licence_valid_until", parse=vietnamese_date),
        Column(
            "Thị trường",
            "markets",
            required=True,
            example="Nhật Bản, Đài Loan",
            help="Các nước được phép đưa người lao động đến, cách nhau bởi dấu phẩy.",
            parse=markets,
        ),
    ),
    notes=("Danh sách doanh nghiệp được cấp phép do Bộ công bố; mỗi dòng một doanh nghiệp.",),
)


class SenderImports:
    """`ImportUseCase` of the register (`lmis_shared.web.imports`)."""

    template = SENDER_TEMPLATE

    def __init__(self, register: SendingOrganisations, directory: SenderDirectory) -> None:
        self._register = register
        self._directory = directory

    def authorise(self, principal: Principal) -> None:
        require_role(principal, MAINTAINERS, "import")

    async def run(self, table: Table, ctx: CommandContext) -> ImportSummary:
        self.authorise(ctx.principal)
        summary = ImportSummary(rows=len(table.rows), unrecognised_columns=table.unrecognised)
        for row in table.rows:
            try:
                changed = await self._row(table, row, ctx)
            except RowRejected as rejected:
                summary.errors += rejected.errors
                continue
            if changed:
                summary.imported += 1
            else:
                summary.skipped_rows.append(row.number)
        return summary

    async def _row(self, table: Table, row: Row, ctx: CommandContext) -> bool:
        """Register or update the row's organisation; whether anything was recorded."""
        kind = {"kind": SendingOrganisationKind.licensed_enterprise.value}
        command = build_command(table, row, senders.RegisterSendingOrganisation, extra=kind)
        known = None
        if command.licence_number is not None:
            known = await self._directory.id_of_licence(command.licence_number)
        try:
            if known is None:
                await self._register.register(command, ctx, imported=True)
                return True
            update = senders.UpdateSendingOrganisation.model_validate(
                command.model_dump(include=set(senders.UPDATABLE))
            )
            before = await self._register.get(known, ctx.principal)
            after = await self._register.execute(known, update, ctx)
            return after.version != before.version
        except InvalidInput as invalid:
            raise RowRejected([table.error(row, invalid.field, invalid.message)]) from None
        except DomainError as refused:
            raise RowRejected([table.error(row, "licence_number", str(refused))]) from None
