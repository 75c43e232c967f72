"""The Soft Binding Resolution API of ``fakemedia serve --repo``, and ``--resolver`` clients
(verify, recover) against a real server on 127.0.0.1."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from fakemedia import api, errors
from fakemedia.identity import IdentityPaths, create_identity, load_identity
from fakemedia.manifest import soft_binding
from fakemedia.manifest.store import parse_store
from tests.cli.test_durable import scene
from tests.serve.conftest import ROOT, Server, start_server


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A repository holding one signed picture (fingerprint only), and a stripped copy."""
    tmp = tmp_path_factory.mktemp("sbr")
    identity: IdentityPaths = create_identity(tmp / "identity")
    repo = tmp / "repo.sqlite"
    signed = api.annotate_asset(api.parse_asset(scene(seed=5), "scene.jpg"),
                                {"modification_types": ["edited"]}, load_identity(identity.directory),
                                api.AnnotateOptions(repository=str(repo), detect=False))
    buf = io.BytesIO()
    Image.open(io.BytesIO(signed.data)).save(buf, "JPEG", quality=85)
    copy = tmp / "shared.jpg"
    copy.write_bytes(buf.getvalue())
    return {"tmp": tmp, "repo": repo, "identity": identity, "signed": signed, "copy": copy,
            "manifest": signed.durability.manifest_id}


@pytest.fixture(scope="module")
def resolver(kept: dict[str, Any]) -> Iterator[Server]:
    yield from start_server(kept["tmp"], ["--repo", str(kept["repo"]), "--workers", "1"])


def test_sbr_supported_algorithms(resolver: Server) -> None:
    reply = resolver.request("GET", "/sbr/services/supportedAlgorithms")
    assert reply.status == 200
    assert reply.json() == {"watermarks": [{"alg": soft_binding.WATERMARK_ALG}],
                            "fingerprints": [{"alg": soft_binding.FINGERPRINT_ALG}]}


def test_sbr_matches_by_binding_and_manifest(resolver: Server, kept: dict[str, Any]) -> None:
    store = parse_store(api.parse_asset(kept["signed"].data).location.jumbf)
    bindings, _ = soft_binding.read_soft_bindings(store.active)
    value = base64.b64encode(bindings[0].value).decode()
    by_get = resolver.request("GET", f"/sbr/matches/byBinding?alg={bindings[0].alg}&value="
                                     f"{value.replace('+', '%2B').replace('/', '%2F')}")
    assert by_get.status == 200, by_get.body
    assert by_get.json()["matches"] == [{"manifestId": kept["manifest"], "similarityScore": 100}]
    by_post = resolver.request("POST", "/sbr/matches/byBinding",
                               json.dumps({"alg": bindings[0].alg, "value": value}).encode(),
                               {"Content-Type": "application/json"})
    assert by_post.json() == by_get.json()
    fetched = resolver.request("GET", f"/sbr/manifests/{kept['manifest']}")
    assert fetched.status == 200 and fetched.headers["content-type"] == "application/c2pa"
    assert parse_store(fetched.body).active.label == kept["manifest"]
    assert resolver.request("GET", "/sbr/manifests/urn:c2pa:nothing").status == 404


def test_sbr_matches_by_content(resolver: Server, kept: dict[str, Any]) -> None:
    reply = resolver.post_image(f"/sbr/matches/byContent?alg={soft_binding.FINGERPRINT_ALG}",
                                kept["copy"].read_bytes())
    assert reply.status == 200, reply.body
    (match,) = reply.json()["matches"]
    assert match["manifestId"] == kept["manifest"] and match["similarityScore"] >= 75


def test_sbr_bad_queries_are_json_errors(resolver: Server) -> None:
    bad = resolver.request("GET", "/sbr/matches/byBinding?alg=io.iscc.v0&value=%%%")
    assert bad.status == 400 and bad.json()["error"]["code"] == errors.EXIT_USAGE
    unknown = resolver.request("GET", "/sbr/matches/byBinding?alg=com.example.nothing&value=AAAA")
    assert unknown.status == 400
    post = resolver.request("POST", "/sbr/matches/byBinding", b"not json",
                            {"Content-Type": "application/json"})
    assert post.status == 400


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(ROOT), "FAKEMEDIA_HOME": str(home), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "fakemedia", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_verify_and_recover_through_a_resolver(resolver: Server, kept: dict[str, Any],
                                               tmp_path: Path) -> None:
    anchors = str(kept["identity"].trust_anchors)
    done = _cli("verify", str(kept["copy"]), "--resolver", resolver.url + "/sbr", "--json",
                "--trust-anchors", anchors, home=tmp_path)
    assert done.returncode == errors.EXIT_RECOVERED, done.stdout + done.stderr
    found = json.loads(done.stdout)["recovery"]
    assert found["state"] == "recovered" and found["manifest"] == kept["manifest"]
    assert found["repository"] == resolver.url + "/sbr"
    out = tmp_path / "restored.jpg"
    restored = _cli("recover", str(kept["copy"]), "--resolver", resolver.url + "/sbr", "-o", str(out),
                    "--trust-anchors", anchors, home=tmp_path)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert api.verify(out).active_manifest == kept["manifest"]


def test_an_unreachable_resolver_is_a_one_line_error(kept: dict[str, Any], tmp_path: Path) -> None:
    done = _cli("verify", str(kept["copy"]), "--resolver", "http://127.0.0.1:9/sbr", home=tmp_path)
    assert done.returncode == errors.EXIT_UNREADABLE
    assert done.stderr.count("\n") == 1 and "cannot be reached" in done.stderr
