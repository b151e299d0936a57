"""The registry's errors. Each carries structured context; entrypoints map them to problems."""

from __future__ import annotations

from uuid import UUID


class RegistryError(Exception):
    """Base of every error the registry's domain raises."""


class InvalidField(RegistryError):
    """A field's value breaks a business rule that needs more than the field itself."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidTransition(RegistryError):
    """The command is not allowed in the file's current state."""

    def __init__(self, command: str, current_state: str, allowed_commands: list[str]) -> None:
        super().__init__(f"{command} is not allowed when the file is {current_state}")
        self.command = command
        self.current_state = current_state
        self.allowed_commands = allowed_commands


class WorkerNotFound(RegistryError):
    def __init__(self, worker_id: UUID) -> None:
        super().__init__(f"no worker file {worker_id}")
        self.worker_id = worker_id
