"""fakemedia.distributed on a real two-worker LocalCluster: failures stay per item, a killed
worker loses nothing, a re-run skips what is done, and keys never enter the task graph."""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from fakemedia.cose.signer import load_private_key
from fakemedia.distributed import (
    RemoteSigner,
    SigningService,
    WorkerIdentity,
    annotate_on,
    cluster_client,
    detect_on,
    verify_on,
    worker_state,
)
from fakemedia.errors import InvalidRequest
from fakemedia.identity import IdentityPaths, create_identity, load_identity, load_trust_anchors

from .crash import CrashPlugin, malloc_trim_setting, worker_pid
from .support import PASSPHRASE_ENV, TOKEN_ENV, make_jpeg

EDITED = {"modification_types": ["edited"]}


def _folder(path: Path, names: list[str], corrupt: str | None = None) -> Path:
    path.mkdir()
    for seed, name in enumerate(names):
        path.joinpath(name).write_bytes(make_jpeg(seed))
    if corrupt:
        path.joinpath(corrupt).write_bytes(make_jpeg(99)[:300])  # a truncated JPEG
    return path


def _trusted(client: Any, folder: Path, identity: Path) -> dict[str, str]:
    checked = verify_on(client, [f"file://{folder}"], trust_anchors=load_trust_anchors(identity))
    return {r.source: r.report.state if r.report else str(r.error) for r in checked}


@pytest.fixture
def crash(client: Any, tmp_path: Path) -> Iterator[Any]:
    registered: list[str] = []

    def register(**kwargs: str) -> None:
        client.register_plugin(CrashPlugin(str(tmp_path), **kwargs))
        registered.append(CrashPlugin.name)

    yield register
    for name in registered:
        client.unregister_worker_plugin(name)
    client.wait_for_workers(2, timeout=120)  # the nanny may still be restarting one


def test_folder_with_a_corrupt_file_and_a_worker_killed_mid_write(
        client: Any, identity: Path, tmp_path: Path, crash: Any) -> None:
    good = [f"good{i}.jpg" for i in range(5)] + ["victim.jpg"]
    source = _folder(tmp_path / "in", good, corrupt="corrupt.jpg")
    source.joinpath("notes.txt").write_text("not an image")
    out = tmp_path / "out"
    pids_before = set(client.run(worker_pid).values())
    crash(die_writing_once="victim.jpg")

    results = list(annotate_on(client, [f"file://{source}"], EDITED, WorkerIdentity(str(identity)),
                               output=f"file://{out}", batch_size=2))

    assert sorted(r.index for r in results) == list(range(7))
    failed = {r.source: r.exit_code for r in results if not r.ok}
    assert failed == {"corrupt.jpg": 3}
    # A task whose worker died after writing can run again (at-least-once): it then skips.
    assert all(r.target == f"file://{out}/{r.source}" for r in results if r.ok)
    assert sum(r.skipped for r in results) <= 2
    died = (tmp_path / "victim.jpg.died").read_text()
    assert int(died) in pids_before and int(died) not in set(client.run(worker_pid).values())
    # Nothing partial: only whole, verifying outputs; no temporary left by the killed writer.
    assert sorted(p.name for p in out.iterdir()) == sorted(good)
    assert _trusted(client, out, identity) == dict.fromkeys(good, "Trusted")

    written = {name: out.joinpath(name).read_bytes() for name in good}
    again = list(annotate_on(client, [f"file://{source}"], EDITED, WorkerIdentity(str(identity)),
                             output=f"file://{out}", batch_size=2))
    assert sorted(r.source for r in again if r.skipped) == sorted(good)
    assert [r.source for r in again if not r.ok] == ["corrupt.jpg"]
    assert {name: out.joinpath(name).read_bytes() for name in good} == written


def test_an_item_that_kills_every_worker_is_isolated(
        client: Any, identity: Path, tmp_path: Path, crash: Any) -> None:
    source = _folder(tmp_path / "in", ["a.jpg", "b.jpg", "poison.jpg", "c.jpg"])
    crash(die_reading="poison.jpg")
    results = list(annotate_on(client, [str(source)], EDITED, WorkerIdentity(str(identity)),
                               output=str(tmp_path / "out"), batch_size=4))
    by_name = {r.source: r for r in results}
    assert sorted(by_name) == ["a.jpg", "b.jpg", "c.jpg", "poison.jpg"]
    assert [n for n, r in by_name.items() if not r.ok] == ["poison.jpg"]
    assert by_name["poison.jpg"].exit_code == 70 and "KilledWorker" in str(by_name["poison.jpg"].error)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.jpg", "b.jpg", "c.jpg"]


def _graph_bytes(dask_scheduler: Any) -> bytes:
    """Everything the scheduler holds for running tasks: each task's pickled spec and the
    registered worker plugins."""
    import cloudpickle  # type: ignore[import-untyped]

    specs = [cloudpickle.dumps(ts.run_spec) for ts in dask_scheduler.tasks.values()]
    plugins = [p if isinstance(p, bytes) else cloudpickle.dumps(p)
               for p in dask_scheduler.worker_plugins.values()]
    return b"".join(specs + plugins)


def _key_secrets(directory: Path, passphrase: bytes | None = None) -> list[bytes]:
    pem = IdentityPaths.of(directory).signer_key.read_bytes()
    key = load_private_key(pem, passphrase)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    assert scalar in der  # the needle is right: the DER form holds the scalar
    return [pem, der, scalar, *([passphrase] if passphrase else [])]


def _run_and_capture(client: Any, results: Iterator[Any]) -> tuple[list[Any], bytes]:
    first = next(results)  # the rest of the job is still queued or running
    graph = client.run_on_scheduler(_graph_bytes)
    return [first, *results], graph


@pytest.fixture(scope="session")
def locked_identity(client: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The workers were started with the passphrase in their environment (see conftest).
    return create_identity(tmp_path_factory.mktemp("locked") / "identity", valid_days=30,
                           passphrase=os.environ[PASSPHRASE_ENV].encode()).directory


def test_signing_service_keeps_the_key_out_of_the_graph(
        client: Any, identity: Path, tmp_path: Path) -> None:
    source = _folder(tmp_path / "in", [f"{i}.jpg" for i in range(6)])
    with SigningService(load_identity(identity), token=os.environ[TOKEN_ENV]) as service:
        assert service.url.startswith("http://127.0.0.1:")
        remote = RemoteSigner.connect(service.url, token_env=TOKEN_ENV)
        assert b"PRIVATE" not in pickle.dumps(remote)
        results, graph = _run_and_capture(client, annotate_on(
            client, [str(source)], EDITED, remote, output=str(tmp_path / "out"), batch_size=1))
        assert service.signatures == 6
    assert all(r.ok for r in results) and len(results) == 6
    assert b"run_chunk" in graph and b"RemoteSigner" in graph  # the tasks were captured
    for secret in [*_key_secrets(identity), os.environ[TOKEN_ENV].encode()]:
        assert secret not in graph
    assert set(_trusted(client, tmp_path / "out", identity).values()) == {"Trusted"}


def test_workers_load_a_locked_identity_from_their_own_environment(
        client: Any, locked_identity: Path, tmp_path: Path) -> None:
    source = _folder(tmp_path / "in", [f"{i}.jpg" for i in range(4)])
    signer = WorkerIdentity(str(locked_identity), passphrase_env=PASSPHRASE_ENV)
    results, graph = _run_and_capture(client, annotate_on(
        client, [str(source)], EDITED, signer, output=str(tmp_path / "out"), batch_size=1))
    assert all(r.ok for r in results) and len(results) == 4
    assert b"WorkerIdentity" in graph and PASSPHRASE_ENV.encode() in graph
    passphrase = os.environ[PASSPHRASE_ENV].encode()
    for secret in _key_secrets(locked_identity, passphrase):
        assert secret not in graph
    assert set(_trusted(client, tmp_path / "out", locked_identity).values()) == {"Trusted"}


def test_key_objects_and_passphrases_are_refused(client: Any, identity: Path, tmp_path: Path) -> None:
    from fakemedia.batch import IdentityRef

    with pytest.raises(TypeError, match="WorkerIdentity"):
        annotate_on(client, [str(tmp_path)], EDITED, load_identity(identity), output=str(tmp_path))
    with pytest.raises(TypeError, match="passphrase_env"):
        annotate_on(client, [str(tmp_path)], EDITED, IdentityRef(str(identity), b"secret"),
                    output=str(tmp_path))


def test_detect_loads_the_model_once_per_worker_with_one_torch_thread(
        client: Any, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    source = _folder(tmp_path / "in", ["a.jpg", "b.jpg", "c.jpg"], corrupt="bad.jpg")
    before = client.run(worker_state)
    results = list(detect_on(client, [str(source)], batch_size=1))
    after = client.run(worker_state)
    assert {r.source: r.ok for r in results} == {"a.jpg": True, "b.jpg": True, "c.jpg": True,
                                                 "bad.jpg": False}
    assert all(0.0 <= r.detection["probability_synthetic"] <= 1.0 for r in results if r.ok)
    assert {a: s["prepares"] - before[a]["prepares"] for a, s in after.items()} == dict.fromkeys(after, 1)
    assert {s["torch_threads"] for s in after.values()} == {1}


def test_local_cluster_is_loopback_only_and_keeps_glibc_malloc_tuning(client: Any) -> None:
    client.wait_for_workers(2, timeout=120)
    addresses = [client.scheduler.address, *client.scheduler_info()["workers"]]
    assert len(addresses) == 3 and all(a.startswith("tcp://127.0.0.1:") for a in addresses)
    assert set(client.run(malloc_trim_setting).values()) == {None}


def test_cluster_client_refuses_an_unknown_spec() -> None:
    with pytest.raises(InvalidRequest, match="tcp://HOST:PORT"):
        cluster_client("ftp://example")
    with pytest.raises(InvalidRequest, match="local:N"):
        cluster_client("local:zero")
