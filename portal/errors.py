"""The one way a rule refuses what a user typed: Chinese messages by form field.

Rules raise FieldErrors; views catch it and put each message next to its field, so
every feature refuses the same way. Nothing here imports the rest of the portal."""
from collections.abc import Mapping, Sequence

FORM = "form"  # the form as a whole, or a refusal with no field (an upload, a CLI command)


class FieldErrors(Exception):
    """Field name → its messages, in the order they were found."""

    def __init__(self, errors: Mapping[str, str | Sequence[str]]):
        self.messages = {field: [found] if isinstance(found, str) else list(found)
                         for field, found in errors.items()}
        super().__init__(str(self))

    @classmethod
    def on(cls, field: str, message: str) -> "FieldErrors":
        return cls({field: message})

    @property
    def errors(self) -> dict[str, str]:
        """One line a field, as forms show them."""
        return {field: " ".join(found) for field, found in self.messages.items()}

    def all(self) -> list[str]:
        return [message for found in self.messages.values() for message in found]

    def __str__(self) -> str:
        return "；".join(self.all())
