"""Which data set a batch came from and its licence, so licences travel into trained models' cards."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataSource:
    """The data set a batch was read from: id, name, licence and where to get it (no torch)."""

    dataset: str
    name: str = ""
    license: str = ""
    url: str = ""
    synthetic: bool = False

    def __repr__(self) -> str:
        return f"DataSource({self.dataset!r})"
