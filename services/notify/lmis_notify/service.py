"""The notify service, as the platform sees it (discovered by `lmis` through the
`lmis.services` entry point): everything else about it is inside this package."""

from lmis_shared.declaration import ServiceDeclaration

SERVICE = ServiceDeclaration(
    name="notify",
    order=4,
    settings="lmis_notify.settings:NotifySettings",
    app="lmis_notify.entrypoints.http:create_app_from_env",
    migrate="lmis_notify.bootstrap:migrate",
    processor="lmis_notify.entrypoints.processor:main",
)
