"""The registry, as the platform sees it (discovered by `lmis` through the `lmis.services`
entry point): everything else about it is inside this package."""

from lmis_shared.declaration import ImportKind, ServiceDeclaration

SERVICE = ServiceDeclaration.standard(
    "registry",
    order=1,
    personal_data=True,
    settings_class="RegistrySettings",
    imports=(
        ImportKind(
            name="workers",
            path="/v1/imports/workers",
            template="lmis_registry.application.import_template:WORKER_TEMPLATE",
            help="Import outbound-worker files from the template (mau_nhap_nguoi_lao_dong.xlsx).",
        ),
    ),
)
