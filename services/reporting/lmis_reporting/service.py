"""The reporting service, as the platform sees it (discovered by `lmis` through the
`lmis.services` entry point): everything else about it is inside this package."""

from lmis_shared.declaration import ServiceDeclaration

SERVICE = ServiceDeclaration.standard(
    "reporting", order=3, settings_class="ReportingSettings", processor=True
)
