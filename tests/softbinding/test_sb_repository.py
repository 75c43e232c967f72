"""The SQLite manifest repository: entries, key allocation, look-ups, scale, concurrent writers
and damaged files."""

from __future__ import annotations

import multiprocessing
import secrets
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from fakemedia.errors import RepositoryError
from fakemedia.manifest import soft_binding
from fakemedia.manifest.soft_binding import SoftBinding
from fakemedia.softbinding import fingerprint, repository
from fakemedia.softbinding.binding import store_of
from fakemedia.softbinding.repository import Repository
from tests.conftest import make_jpeg


def _unit(body: bytes) -> bytes:
    return fingerprint.unit(body)


def _signed_store(signer_of: Callable[..., bytes], key: int, body: bytes, seed: int = 7) -> bytes:
    bindings = [SoftBinding(soft_binding.WATERMARK_ALG, soft_binding.watermark_value(key)),
                SoftBinding(soft_binding.FINGERPRINT_ALG, _unit(body))]
    return store_of(signer_of(make_jpeg(seed=seed), bindings))


def test_repo_add_get_list_remove(repo_path: Path, signer_of: Callable[..., bytes]) -> None:
    body = secrets.token_bytes(32)
    with Repository(repo_path) as repo:
        key = repo.allocate_key()
        store = _signed_store(signer_of, key, body)
        entry = repo.add(store, title="a.jpg")
        assert entry.store == store and entry.title == "a.jpg"
        assert [b.alg for b in entry.bindings] == [soft_binding.WATERMARK_ALG, soft_binding.FINGERPRINT_ALG]
        assert repo.add(store).manifest_id == entry.manifest_id  # same store again: no-op
        assert repo.count() == 1
        assert [e.manifest_id for e in repo.entries()] == [entry.manifest_id]
        assert repo.by_watermark(key)[0].manifest_id == entry.manifest_id
        assert repo.by_fingerprint(body, max_distance=0)[0].distance == 0
        assert repo.remove(entry.manifest_id) and not repo.remove(entry.manifest_id)
        assert repo.get(entry.manifest_id) is None and repo.by_watermark(key) == []
        repo.verify_integrity()
    assert sqlite3.connect(repo_path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_repo_refuses_a_taken_key_and_a_second_store_for_one_label(
        repo_path: Path, signer_of: Callable[..., bytes]) -> None:
    with Repository(repo_path) as repo:
        key = repo.allocate_key()
        repo.add(_signed_store(signer_of, key, secrets.token_bytes(32)))
        with pytest.raises(RepositoryError, match="already belongs"):
            repo.add(_signed_store(signer_of, key, secrets.token_bytes(32), seed=8))
        assert repo.count() == 1  # the failed add left nothing behind (one transaction)


def test_repo_keys_stay_three_bits_apart(repo_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Repository(repo_path) as repo:
        first = repo.allocate_key()
        # the next draws land on the key and on a 2-bit neighbour before a free one
        draws = iter([first, first ^ 0b11, first ^ 0b111])
        monkeypatch.setattr(repository.secrets, "randbits", lambda bits: next(draws))
        assert repo.allocate_key() == first ^ 0b111
        monkeypatch.undo()
        keys = [first, first ^ 0b111] + [repo.allocate_key() for _ in range(300)]
        assert len(set(keys)) == len(keys)
        assert min((a ^ b).bit_count() for i, a in enumerate(keys) for b in keys[i + 1:]) >= 3
        assert repo.release_key(keys[-1]) and not repo.release_key(keys[-1])


def test_repo_watermark_lookup_ranks_by_distance(repo_path: Path,
                                                 signer_of: Callable[..., bytes]) -> None:
    with Repository(repo_path) as repo:
        key = repo.allocate_key()
        repo.add(_signed_store(signer_of, key, secrets.token_bytes(32)))
        assert [c.distance for c in repo.by_watermark(key ^ 1)] == [1]
        assert [c.distance for c in repo.by_watermark(key ^ 0b101)] == [2]
        assert repo.by_watermark(key ^ 0b111) == []
        assert repo.by_watermark(key ^ 0b111, max_distance=3)[0].distance == 3


def test_repo_neighbours_enumerates_the_hamming_ball() -> None:
    ball = list(repository.neighbours(0, 2))
    assert len(ball) == 1 + 32 + 496 and len(set(ball)) == len(ball) and ball[0] == 0


def _fill(path: Path, rows: int) -> list[bytes]:
    """``rows`` random fingerprints written straight into the search table."""
    with Repository(path):
        pass
    bodies = [secrets.token_bytes(32) for _ in range(rows)]
    db = sqlite3.connect(path)
    db.execute("INSERT INTO manifests VALUES ('urn:bulk', x'', x'', '2026-01-01T00:00:00Z', NULL)")
    db.executemany(
        "INSERT INTO soft_bindings (manifest_id, alg, value, band0, band1, band2, band3) "
        "VALUES ('urn:bulk', 'io.iscc.v0', ?, ?, ?, ?, ?)",
        ((_unit(b), *repository._bands(b)) for b in bodies))
    db.commit()
    db.close()
    return bodies


@pytest.mark.slow
def test_repo_fingerprint_search_is_fast_at_a_million_rows(tmp_path: Path) -> None:
    bodies = _fill(tmp_path / "big.sqlite", 1_000_000)
    with Repository(tmp_path / "big.sqlite") as repo:
        probe = bytearray(bodies[123_456])
        for bit in (3, 21, 40):  # three bits off, one in each of three bands
            probe[bit // 8] ^= 1 << (bit % 8)
        started = time.perf_counter()
        for _ in range(20):
            found = repo.by_fingerprint(bytes(probe), max_distance=32)
        per_query = (time.perf_counter() - started) / 20
        assert [c.distance for c in found] == [3]
        assert per_query < 0.05, f"{per_query * 1000:.1f} ms per query"


def test_repo_pigeonhole_finds_every_prefix_within_three_bits(tmp_path: Path) -> None:
    bodies = _fill(tmp_path / "small.sqlite", 2000)
    with Repository(tmp_path / "small.sqlite") as repo:
        for i in range(50):
            probe = bytearray(bodies[i])
            for bit in secrets.SystemRandom().sample(range(64), 3):
                probe[bit // 8] ^= 1 << (7 - bit % 8)
            assert bodies[i] in [fingerprint.parse_unit(c.value)
                                 for c in repo.by_fingerprint(bytes(probe), max_distance=3)]


def _writer(path: str, worker: int, count: int) -> list[int]:
    from fakemedia.identity import create_identity, load_identity
    from tests.softbinding.conftest import sign_with_bindings

    directory = Path(path).parent / f"id{worker}"
    create_identity(directory, algorithm="es256", valid_days=2)

    class _Id:
        signer = load_identity(directory)

    keys = []
    with Repository(path) as repo:
        for n in range(count):
            key = repo.allocate_key()
            bindings = [SoftBinding(soft_binding.WATERMARK_ALG, soft_binding.watermark_value(key)),
                        SoftBinding(soft_binding.FINGERPRINT_ALG, _unit(secrets.token_bytes(32)))]
            signed = sign_with_bindings(make_jpeg(seed=worker * 100 + n), bindings, _Id)  # type: ignore[arg-type]
            repo.add(store_of(signed))
            keys.append(key)
    return keys


def test_repo_concurrent_writers_from_several_processes(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    workers, each = 4, 8
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        results = pool.starmap(_writer, [(str(path), w, each) for w in range(workers)])
    keys = [k for ks in results for k in ks]
    with Repository(path) as repo:
        assert repo.integrity_errors() == []
        assert repo.count() == workers * each
        assert len(set(keys)) == len(keys)
        assert min((a ^ b).bit_count() for i, a in enumerate(keys) for b in keys[i + 1:]) >= 3
        for key in keys:
            assert len(repo.by_watermark(key, max_distance=0)) == 1


def test_repo_damaged_or_foreign_files_give_clear_errors(tmp_path: Path,
                                                         signer_of: Callable[..., bytes]) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(RepositoryError, match="not a readable manifest repository") as info:
        Repository(garbage)
    assert info.value.exit_code == 3 and "\n" not in str(info.value)

    foreign = tmp_path / "foreign.sqlite"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(RepositoryError, match="not a fakemedia repository"):
        Repository(foreign)

    with pytest.raises(RepositoryError, match="no manifest repository"):
        Repository(tmp_path / "missing.sqlite", create=False)

    damaged = tmp_path / "damaged.sqlite"
    with Repository(damaged) as repo:
        for n in range(40):
            repo.add(_signed_store(signer_of, repo.allocate_key(), secrets.token_bytes(32), seed=n))
    db = sqlite3.connect(damaged)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    raw = bytearray(damaged.read_bytes())
    raw[4096 * 2: 4096 * 6] = bytes(4096 * 4)  # wipe pages of the tables and indexes
    damaged.write_bytes(bytes(raw))
    with pytest.raises(RepositoryError, match=r"damaged|not a readable|cannot be read"):
        with Repository(damaged) as repo:
            repo.verify_integrity()
