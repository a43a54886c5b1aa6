"""The saved-result record, its content-derived id, and the interface both backends share."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

# Ids are prefixes of the lowercase base32 SHA-256 digest (52 characters, 5 bits each).
# Ten characters give 50 bits; on a collision with another digest the prefix grows.
SHORT_ID_LENGTH = 10
ID_LENGTH_STEP = 4
DIGEST_LENGTH = 52
ID_PATTERN = re.compile(r"[a-z2-7]{%d,%d}" % (SHORT_ID_LENGTH, DIGEST_LENGTH))

KINDS = ("validate", "compare")


class StoreError(Exception):
    """The database failed or could not be reached; the message names the backend."""


def result_digest(kind: str, text: str, options: dict[str, Any]) -> str:
    """Return the lowercase base32 SHA-256 of the kind, input and options.

    The options are serialized with sorted keys, so their order in a form does not change
    the digest.
    """
    canonical = json.dumps({"kind": kind, "input": text, "options": options},
                           sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii").rstrip("=").lower()


def candidate_ids(digest: str) -> list[str]:
    """Return the ids to try for a digest, shortest first, ending with the whole digest."""
    lengths = list(range(SHORT_ID_LENGTH, DIGEST_LENGTH, ID_LENGTH_STEP)) + [DIGEST_LENGTH]
    return [digest[:length] for length in lengths]


@dataclass(frozen=True)
class SavedResult:
    """One saved validate or compare result: the input, options and result JSON as run."""

    digest: str
    kind: str
    input: str
    options: dict[str, Any]
    schema_version: str
    result_json: str  # the API's JSON for this input, serialized once at save time
    created_at: datetime  # timezone-aware, UTC
    id: str = ""

    @property
    def result(self) -> Any:
        return json.loads(self.result_json)

    def options_json(self) -> str:
        return json.dumps(self.options, sort_keys=True, ensure_ascii=False)


class ResultStore(ABC):
    """Saved results, insert-only: a stored row is never updated."""

    def save(self, record: SavedResult) -> tuple[SavedResult, bool]:
        """Store ``record`` under the shortest free id of its digest.

        Return the stored row and whether this call inserted it. When the digest is
        already stored, return that row unchanged, with its original date and result.
        Raise :class:`StoreError` when the database fails.
        """
        existing = self.find(record.digest)
        if existing is not None:
            return existing, False
        for result_id in candidate_ids(record.digest):
            stored, inserted = self._insert_or_get(replace(record, id=result_id))
            if stored is None:
                # The insert was ignored but no row has this id: a concurrent save of the
                # same digest took another id first.
                existing = self.find(record.digest)
                if existing is not None:
                    return existing, False
                continue
            if stored.digest == record.digest:
                return stored, inserted
        raise StoreError(f"every id of digest {record.digest} is taken by another digest")

    @abstractmethod
    def get(self, result_id: str) -> SavedResult | None:
        """Return the row with this id, or None."""

    @abstractmethod
    def find(self, digest: str) -> SavedResult | None:
        """Return the row with this digest, or None."""

    @abstractmethod
    def _insert_or_get(self, record: SavedResult) -> tuple[SavedResult | None, bool]:
        """Insert ``record`` unless its id or digest exists; return the row with its id.

        The second value is True when this call inserted the row.
        """

    @abstractmethod
    def describe(self) -> str:
        """Return the backend and location for logs, without credentials."""
