"""A manifest repository on SQLite: signed manifest stores, found again by their soft bindings.

Layout (one file; WAL journal so readers never block the writer):

* ``manifests`` — one row per active manifest: its label (``urn:c2pa:…``), the whole manifest
  store as stored in the asset (``application/c2pa``), its SHA-256, when it was added, a title;
* ``soft_bindings`` — one row per soft-binding block: ``alg`` and ``value`` exactly as the
  assertion holds them, plus search columns: ``wm_key`` for watermark keys and, for
  fingerprints, the first 64 bits of the code cut into four 16-bit bands;
* ``watermark_keys`` — every key handed out, bound to a manifest once that one is added.

Watermark keys are drawn at random and kept at least three bits apart, so a key read with one
bit wrong still names exactly one entry; the draw and its check run in one write transaction,
so concurrent writers (processes of a batch) cannot take the same or a neighbouring key.

Fingerprint search uses the pigeonhole principle: two 64-bit prefixes within distance 3 agree
on at least one of four 16-bit bands, so four indexed equality look-ups find every candidate,
and each candidate is then measured on the full code. At 10⁶ random rows a band matches about
15 rows, so a query stays in the milliseconds where a scan would read every row.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from fakemedia.errors import RepositoryError
from fakemedia.manifest import soft_binding
from fakemedia.manifest.soft_binding import SoftBinding
from fakemedia.manifest.store import parse_store
from fakemedia.softbinding import fingerprint

#: PRAGMA application_id of a fakemedia repository ("FMRP").
APPLICATION_ID = 0x464D5250
SCHEMA_VERSION = 1
#: Keys closer than this many bits to an existing key are never handed out.
KEY_SEPARATION = 3
#: Fingerprint prefixes within this distance are always found (pigeonhole over 4 bands).
BAND_RADIUS = 3
_BANDS = 4
_MAX_KEY_DRAWS = 1000

_SCHEMA = """
CREATE TABLE manifests (
    manifest_id  TEXT PRIMARY KEY,
    store        BLOB NOT NULL,
    store_sha256 BLOB NOT NULL,
    created      TEXT NOT NULL,
    title        TEXT
);
CREATE TABLE soft_bindings (
    id          INTEGER PRIMARY KEY,
    manifest_id TEXT NOT NULL REFERENCES manifests(manifest_id) ON DELETE CASCADE,
    alg         TEXT NOT NULL,
    value       BLOB NOT NULL,
    wm_key      INTEGER,
    band0 INTEGER, band1 INTEGER, band2 INTEGER, band3 INTEGER
);
CREATE TABLE watermark_keys (
    key         INTEGER PRIMARY KEY,
    manifest_id TEXT REFERENCES manifests(manifest_id) ON DELETE SET NULL,
    allocated   TEXT NOT NULL
);
CREATE INDEX soft_bindings_manifest ON soft_bindings(manifest_id);
CREATE INDEX soft_bindings_key ON soft_bindings(wm_key) WHERE wm_key IS NOT NULL;
CREATE INDEX soft_bindings_band0 ON soft_bindings(band0) WHERE band0 IS NOT NULL;
CREATE INDEX soft_bindings_band1 ON soft_bindings(band1) WHERE band1 IS NOT NULL;
CREATE INDEX soft_bindings_band2 ON soft_bindings(band2) WHERE band2 IS NOT NULL;
CREATE INDEX soft_bindings_band3 ON soft_bindings(band3) WHERE band3 IS NOT NULL;
"""


@dataclass(frozen=True)
class Entry:
    """One stored manifest and its soft bindings."""

    manifest_id: str
    store: bytes
    created: str
    title: str | None
    bindings: tuple[SoftBinding, ...] = field(default_factory=tuple)

    @property
    def store_sha256(self) -> str:
        return hashlib.sha256(self.store).hexdigest()


@dataclass(frozen=True)
class Candidate:
    """A manifest a soft binding points at, and how far the query was from the stored value."""

    manifest_id: str
    alg: str
    value: bytes
    distance: int


def neighbours(key: int, radius: int, bits: int = 32) -> Iterator[int]:
    """Every ``bits``-bit value within Hamming distance ``radius`` of ``key`` (key first)."""
    for r in range(radius + 1):
        for positions in itertools.combinations(range(bits), r):
            flipped = key
            for p in positions:
                flipped ^= 1 << p
            yield flipped


def _bands(body: bytes) -> list[int]:
    prefix = fingerprint.prefix64(body)
    return [(prefix >> (48 - 16 * i)) & 0xFFFF for i in range(_BANDS)]


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Repository:
    """An open repository file. Use as a context manager; one object per thread."""

    def __init__(self, path: str | Path, *, create: bool = True, timeout: float = 30.0) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise RepositoryError(f"no manifest repository at {self.path}")
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        try:
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise RepositoryError(f"cannot open the repository {self.path}: {exc}") from None
        try:
            self._db.execute("PRAGMA foreign_keys = ON")
            if fresh:
                self._create()
            self._check_identity()
            self._db.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise RepositoryError(f"{self.path} is not a readable manifest repository: {exc}") \
                from None
        except RepositoryError:
            self._db.close()
            raise

    # -- life cycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _create(self) -> None:
        with self._write():
            if self._db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID:
                return  # another process created it between our check and the lock
            # One statement at a time: executescript() would commit the open transaction.
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self._db.execute(statement)
            self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _check_identity(self) -> None:
        app = self._db.execute("PRAGMA application_id").fetchone()[0]
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if app != APPLICATION_ID:
            raise RepositoryError(f"{self.path} is an SQLite file but not a fakemedia repository")
        if version != SCHEMA_VERSION:
            raise RepositoryError(f"{self.path} has repository schema {version}; this version "
                                  f"reads schema {SCHEMA_VERSION}")

    def integrity_errors(self) -> list[str]:
        """SQLite's own page-level check: an empty list for a sound file."""
        try:
            rows = self._db.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
        return [] if rows == [("ok",)] else [r[0] for r in rows]

    def verify_integrity(self) -> None:
        """Raise :class:`RepositoryError` when :meth:`integrity_errors` finds any."""
        errors = self.integrity_errors()
        if errors:
            raise RepositoryError(f"the repository {self.path} is damaged: {errors[0]}")

    class _Transaction:
        def __init__(self, db: sqlite3.Connection, path: Path) -> None:
            self.db, self.path = db, path

        def __enter__(self) -> sqlite3.Connection:
            try:
                self.db.execute("BEGIN IMMEDIATE")  # take the write lock now, not mid-way
            except sqlite3.OperationalError as exc:
                raise RepositoryError(f"the repository {self.path} is busy: {exc}") from None
            return self.db

        def __exit__(self, kind: object, exc: object, tb: object) -> None:
            if kind is None:
                self.db.execute("COMMIT")
            else:
                self.db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.DatabaseError):
                raise RepositoryError(f"the repository {self.path} failed: {exc}") from None

    def _write(self) -> Repository._Transaction:
        return Repository._Transaction(self._db, self.path)

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise RepositoryError(f"the repository {self.path} cannot be read: {exc}") from None

    # -- watermark keys -----------------------------------------------------------------------

    def allocate_key(self) -> int:
        """A fresh 32-bit watermark key at least :data:`KEY_SEPARATION` bits from every key
        handed out before, reserved until :meth:`add` binds it (or :meth:`release_key`)."""
        with self._write() as db:
            for _ in range(_MAX_KEY_DRAWS):
                key = secrets.randbits(32)
                near = list(neighbours(key, KEY_SEPARATION - 1))
                marks = ",".join("?" * len(near))
                if db.execute(f"SELECT 1 FROM watermark_keys WHERE key IN ({marks}) LIMIT 1",
                              near).fetchone() is None:
                    db.execute("INSERT INTO watermark_keys (key, allocated) VALUES (?, ?)",
                               (key, _now()))
                    return key
        raise RepositoryError("no free watermark key after many draws: the repository is full")

    def release_key(self, key: int) -> bool:
        """Give back a reserved key that no manifest uses (annotate failed after allocating)."""
        with self._write() as db:
            cursor = db.execute("DELETE FROM watermark_keys WHERE key = ? AND manifest_id IS NULL",
                                (key,))
            return cursor.rowcount > 0

    # -- manifests ----------------------------------------------------------------------------

    def add(self, store: bytes, *, title: str | None = None) -> Entry:
        """Store a manifest store under its active manifest's label, with the soft bindings
        that manifest declares. Adding the same store again is a no-op."""
        parsed = parse_store(store)
        active = parsed.active
        if active is None:
            raise RepositoryError("the manifest store holds no manifest")
        bindings, problems = soft_binding.read_soft_bindings(active)
        if problems:
            raise RepositoryError(f"manifest {active.label} has an unreadable soft binding: "
                                  f"{problems[0]}")
        digest = hashlib.sha256(store).digest()
        created = _now()
        with self._write() as db:
            row = db.execute("SELECT store_sha256 FROM manifests WHERE manifest_id = ?",
                             (active.label,)).fetchone()
            if row is not None:
                if row[0] != digest:
                    raise RepositoryError(f"the repository already holds another store for "
                                          f"manifest {active.label}")
            else:
                db.execute("INSERT INTO manifests VALUES (?, ?, ?, ?, ?)",
                           (active.label, store, digest, created, title))
                for binding in bindings:
                    self._insert_binding(db, active.label, binding)
        return self.get(active.label) or Entry(active.label, store, created, title,
                                                tuple(bindings))

    def _insert_binding(self, db: sqlite3.Connection, manifest_id: str,
                        binding: SoftBinding) -> None:
        key = soft_binding.watermark_key(binding.value) if binding.kind == "watermark" else None
        bands: list[int | None] = [None] * _BANDS
        if binding.kind == "fingerprint":
            try:
                bands = list(_bands(fingerprint.parse_unit(binding.value)))
            except ValueError:
                pass  # kept as a row, just not searchable by fingerprint
        if key is not None:
            owner = db.execute("SELECT manifest_id FROM watermark_keys WHERE key = ?",
                               (key,)).fetchone()
            if owner is None:
                db.execute("INSERT INTO watermark_keys VALUES (?, ?, ?)", (key, manifest_id, _now()))
            elif owner[0] is None:
                db.execute("UPDATE watermark_keys SET manifest_id = ? WHERE key = ?",
                           (manifest_id, key))
            elif owner[0] != manifest_id:
                raise RepositoryError(f"watermark key {key:08x} already belongs to manifest "
                                      f"{owner[0]}")
        db.execute("INSERT INTO soft_bindings (manifest_id, alg, value, wm_key, band0, band1, "
                   "band2, band3) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (manifest_id, binding.alg, binding.value, key, *bands))

    def get(self, manifest_id: str) -> Entry | None:
        rows = self._read("SELECT store, created, title FROM manifests WHERE manifest_id = ?",
                          (manifest_id,))
        if not rows:
            return None
        store, created, title = rows[0]
        bindings = tuple(SoftBinding(alg, bytes(value)) for alg, value in self._read(
            "SELECT alg, value FROM soft_bindings WHERE manifest_id = ? ORDER BY id",
            (manifest_id,)))
        return Entry(manifest_id, bytes(store), created, title, bindings)

    def entries(self, *, limit: int = 100, offset: int = 0) -> list[Entry]:
        """Entries newest first, without their stores' bytes (``store`` is empty)."""
        rows = self._read("SELECT manifest_id, created, title FROM manifests "
                          "ORDER BY created DESC, manifest_id LIMIT ? OFFSET ?", (limit, offset))
        return [Entry(mid, b"", created, title) for mid, created, title in rows]

    def count(self) -> int:
        return int(self._read("SELECT COUNT(*) FROM manifests")[0][0])

    def remove(self, manifest_id: str) -> bool:
        """Delete a manifest and its soft bindings; its watermark key stays taken."""
        with self._write() as db:
            db.execute("DELETE FROM soft_bindings WHERE manifest_id = ?", (manifest_id,))
            return db.execute("DELETE FROM manifests WHERE manifest_id = ?",
                              (manifest_id,)).rowcount > 0

    # -- look-up ------------------------------------------------------------------------------

    def by_watermark(self, key: int, *, max_distance: int = 2) -> list[Candidate]:
        """Manifests whose watermark key is within ``max_distance`` bits of ``key``, nearest
        first."""
        near = list(neighbours(key, max_distance))
        marks = ",".join("?" * len(near))
        rows = self._read(f"SELECT manifest_id, alg, value, wm_key FROM soft_bindings "
                          f"WHERE wm_key IN ({marks})", near)
        found = [Candidate(mid, alg, bytes(value), (stored ^ key).bit_count())
                 for mid, alg, value, stored in rows]
        return sorted(found, key=lambda c: (c.distance, c.manifest_id))

    def by_fingerprint(self, body: bytes, *, max_distance: int) -> list[Candidate]:
        """Manifests whose fingerprint shares a band with ``body`` (all those within
        :data:`BAND_RADIUS` of its 64-bit prefix, and more) and lies within ``max_distance``
        bits over the length both codes have; nearest first."""
        bands = _bands(body)
        union = " UNION ".join(
            f"SELECT manifest_id, alg, value FROM soft_bindings WHERE band{i} = ?"
            for i in range(_BANDS))
        found = []
        for mid, alg, value in self._read(union, bands):
            try:
                stored = fingerprint.parse_unit(bytes(value))
            except ValueError:
                continue
            distance = fingerprint.hamming(stored, body)
            if distance <= max_distance:
                found.append(Candidate(mid, alg, bytes(value), distance))
        return sorted(found, key=lambda c: (c.distance, c.manifest_id))
