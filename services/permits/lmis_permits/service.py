"""The permits service, as the platform sees it (discovered by `lmis` through the
`lmis.services` entry point): everything else about it is inside this package."""

from lmis_shared.declaration import ImportKind, ServiceDeclaration

SERVICE = ServiceDeclaration.standard(
    "permits",
    order=2,
    personal_data=True,
    settings_class="PermitsSettings",
    imports=(
        ImportKind(
            name="permits",
            path="/v1/imports/permits",
            template="lmis_permits.application.import_template:PERMIT_TEMPLATE",
            help="Import foreign workers' permits from the template "
            "(mau_nhap_giay_phep_lao_dong.xlsx).",
        ),
    ),
)
