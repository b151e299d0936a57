"""The registry, as the platform sees it (discovered by `lmis` through the `lmis.services`
entry point): everything else about it is inside this package."""

from lmis_shared.declaration import ImportKind, ServiceDeclaration

SERVICE = ServiceDeclaration(
    name="registry",
    order=1,
    settings="lmis_registry.settings:RegistrySettings",
    app="lmis_registry.entrypoints.http:create_app_from_env",
    migrate="lmis_registry.bootstrap:migrate",
    imports=(
        ImportKind(
            name="workers",
            path="/v1/imports/workers",
            template="lmis_registry.application.import_template:WORKER_TEMPLATE",
            help="Import outbound-worker files from the template (mau_nhap_nguoi_lao_dong.xlsx).",
        ),
    ),
)
