"""The notify service, as the platform sees it (discovered by `lmis` through the
`lmis.services` entry point): everything else about it is inside this package."""

from lmis_shared.declaration import ServiceDeclaration

SERVICE = ServiceDeclaration.standard(
    "notify",
    order=4,
    settings_class="NotifySettings",
    processor=True,
    # the feeds' key grant: the producers' master keys, read by the processor only
    processor_settings=(
        "lmis_notify.settings:RegistryMasterKey",
        "lmis_notify.settings:PermitsMasterKey",
    ),
)
