"""The permits service, as the platform sees it (discovered by `lmis` through the
`lmis.services` entry point): everything else about it is inside this package."""

from lmis_shared.declaration import ImportKind, ServiceDeclaration

SERVICE = ServiceDeclaration(
    name="permits",
    order=2,
    settings="lmis_permits.settings:PermitsSettings",
    app="lmis_permits.entrypoints.http:create_app_from_env",
    migrate="lmis_permits.bootstrap:migrate",
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
