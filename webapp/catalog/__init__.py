"""The OCSF schema catalog: releases loaded once, lazily, and looked up by version."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from .exports import load_packaged, packaged_versions, version_key
from .local import LABEL_PREFIX, LocalCheckout, SchemaSource, parse_sources
from .model import Attribute, Category, DataType, EnumValue, Profile, Release, Schema
from .sources import SourceError

__all__ = [
    "Attribute", "Catalog", "Category", "DataType", "EnumValue", "LABEL_PREFIX", "Profile",
    "Release", "Schema", "SchemaSource", "SourceError", "UnknownVersion", "parse_sources",
    "version_key",
]

log = logging.getLogger(__name__)


class UnknownVersion(LookupError):
    """Raised for a schema version that is neither packaged nor a loaded checkout."""

    def __init__(self, version: str, available: list[str]):
        super().__init__(version)
        self.version = version
        self.available = available


class Catalog:
    """Every schema version the app can serve, loaded on first use and cached.

    ``sources`` are local schema checkouts. Each is compiled here, so a
    missing or broken tree raises :class:`SourceError` when the catalog is
    built. Afterwards a checkout is recompiled on access when its files change.
    """

    def __init__(self, default_version: str | None = None,
                 sources: Iterable[SchemaSource] = ()):
        self._packaged = packaged_versions()
        self._releases: dict[str, Release] = {}
        self._lock = threading.Lock()
        self._local: dict[str, LocalCheckout] = {}
        for source in sources:
            checkout = LocalCheckout(source)
            checkout.load()
            self._local[checkout.label] = checkout
        self.default_version = default_version or self._packaged[-1]
        if not self.has(self.default_version):
            raise UnknownVersion(self.default_version, self.versions)

    @property
    def versions(self) -> list[str]:
        """Selectable versions: packaged releases newest first, then local checkouts."""
        return sorted(self._packaged, key=version_key, reverse=True) + self.local_labels

    @property
    def packaged(self) -> list[str]:
        """Packaged release versions, oldest first."""
        return list(self._packaged)

    @property
    def local_labels(self) -> list[str]:
        """Labels of the local checkouts (``local:dev``), in the order they were given."""
        return list(self._local)

    def has(self, version: str) -> bool:
        return version in self._packaged or version in self._local

    def get(self, version: str | None = None) -> Release:
        """Return a release, loading it on first use.

        Raise :class:`UnknownVersion` for a version that is not served, and
        :class:`SourceError` when a local checkout no longer compiles.
        """
        version = version or self.default_version
        if version in self._local:
            return self._local[version].load()
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

    def timeline(self) -> list[Release]:
        """Return every packaged release and local checkout, oldest schema version first.

        A checkout sorts by the version in its ``version.json`` (``1.4.0-dev``
        before ``1.4.0``), after a packaged release of the same version.
        """
        releases = [self.get(version) for version in self._packaged]
        releases += [self.get(label) for label in self._local]
        return sorted(releases, key=lambda r: (version_key(r.version), r.is_local, r.label))
