"""Path converters every app's URLs use."""

from django.urls import register_converter

from core.http import MAX_ID


class RowId:
    """A row id in a path: 1 to 2**63 - 1 in ASCII digits. Anything else does not match
    (a 404), so no view ever sees a number PostgreSQL's bigint would refuse."""

    regex = r"[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise ValueError(value)
        return number

    def to_url(self, value: int | str) -> str:
        return str(int(value))


def register() -> None:
    register_converter(RowId, "id")
