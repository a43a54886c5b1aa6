"""The OCSF schema catalog: releases loaded once, lazily, and looked up by version."""

from __future__ import annotations

import logging
import threading

from .exports import load_packaged, packaged_versions, version_key
from .model import Attribute, Category, DataType, EnumValue, Profile, Release, Schema

__all__ = [
    "Attribute", "Catalog", "Category", "DataType", "EnumValue", "Profile", "Release",
    "Schema", "UnknownVersion", "version_key",
]

log = logging.getLogger(__name__)


class UnknownVersion(LookupError):
    """Raised for a schema version that is neither packaged nor a loaded checkout."""

    def __init__(self, version: str, available: list[str]):
        super().__init__(version)
        self.version = version
        self.available = available


class Catalog:
    """Every schema version the app can serve, loaded on first use and cached."""

    def __init__(self, default_version: str | None = None):
        self._packaged = packaged_versions()
        self._releases: dict[str, Release] = {}
        self._lock = threading.Lock()
        self.default_version = default_version or self._packaged[-1]
        if self.default_version not in self._packaged:
            raise UnknownVersion(self.default_version, self._packaged)

    @property
    def versions(self) -> list[str]:
        """Selectable versions, newest first."""
        return sorted(self._packaged, key=version_key, reverse=True)

    def has(self, version: str) -> bool:
        return version in self._packaged

    def get(self, version: str | None = None) -> Release:
        """Return a release, loading it on first use; raise :class:`UnknownVersion`."""
        version = version or self.default_version
        release = self._releases.get(version)
        if release is not None:
            return release
        if version not in self._packaged:
            raise UnknownVersion(version, self.versions)
        with self._lock:
            if version not in self._releases:
                release = load_packaged(version)
                log.info("loaded OCSF %s: %d classes, %d objects", version,
                         len(release.classes), len(release.objects))
                self._releases[version] = release
        return self._releases[version]
