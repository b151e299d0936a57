"""The reporting service, as the platform sees it (discovered by `lmis` through the
`lmis.services` entry point): everything else about it is inside this package."""

from lmis_shared.declaration import ServiceDeclaration

SERVICE = ServiceDeclaration(
    name="reporting",
    order=3,
    settings="lmis_reporting.settings:ReportingSettings",
    app="lmis_reporting.entrypoints.http:create_app",
    migrate="lmis_reporting.bootstrap:migrate",
    processor="lmis_reporting.entrypoints.processor:main",
)
