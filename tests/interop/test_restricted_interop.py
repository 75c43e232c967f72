"""Interop: restricted and redacted files, made through the API and the command line, are read by
c2pa-python 0.38.1 as Trusted with our roots as anchors and no failure codes, and by our own
validator as Trusted. The ciphertext is opaque CBOR inside our assertion, so c2pa-python needs
no key; redaction follows C2PA 2.x (``redacted_assertions`` + ``c2pa.redacted``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fakemedia import api
from fakemedia.cli import main
from fakemedia.cose.recipients import generate_recipient_key, write_recipient_key
from fakemedia.identity import create_identity, load_trust_anchors

from . import c2pa_oracle as oracle

ANNOTATION: dict[str, Any] = {
    "modification_types": ["deepfaked"], "author": "Interop Author Marlowe-3318",
    "purpose": "satire", "description": "swapped",
    "probability": {"value": 0.6, "method": "algorithmic", "name": "det"},
    "regions": [{"shape": "rectangle", "unit": "pixel", "x": 2, "y": 3, "width": 9, "height": 8}],
}
RESTRICT = ("author", "purpose", "probability", "regions")
Made = tuple[bytes, list[bytes]]


def _restricted(source: bytes, signer: Any, kinds: tuple[str, ...], compress: bool = False,
                redact: tuple[str, ...] = ()) -> bytes:
    pubs = tuple(generate_recipient_key(kind)[1] for kind in kinds)
    options = api.AnnotateOptions(restrict=RESTRICT, recipients=pubs, compress=compress, redact=redact)
    return api.annotate_bytes(source, ANNOTATION, signer, options)


def _api_files(source: bytes, ident: Callable[[str], Any]) -> dict[str, Made]:
    es256, ed, ps = ident("es256"), ident("ed25519"), ident("ps256")
    files: dict[str, Made] = {
        "restricted-x25519": (_restricted(source, es256.signer, ("x25519",)), [es256.anchors]),
        "restricted-ec-rsa": (_restricted(source, ps.signer, ("p256", "p384", "rsa")), [ps.anchors]),
        "restricted-brob": (_restricted(source, ed.signer, ("x25519", "p256"), compress=True), [ed.anchors]),
    }
    parent = files["restricted-x25519"][0]
    chained = api.annotate_bytes(parent, {"modification_types": ["edited"]}, ed.signer)
    files["restricted-parent-chain"] = (chained, [es256.anchors, ed.anchors])
    plain = api.annotate_bytes(source, {"modification_types": ["edited"], "author": "A"}, es256.signer)
    redacted = api.annotate_bytes(plain, {"modification_types": ["enhanced"]}, ed.signer,
                                  api.AnnotateOptions(redact=("org.fakemedia.annotation",)))
    files["redacted"] = (redacted, [es256.anchors, ed.anchors])
    on_top = api.annotate_bytes(redacted, {"modification_types": ["composed"]}, ps.signer)
    files["redacted-then-annotated"] = (on_top, [es256.anchors, ed.anchors, ps.anchors])
    both = _restricted(plain, ps.signer, ("p384",), redact=("org.fakemedia.annotation",))
    files["restricted-and-redacting"] = (both, [es256.anchors, ps.anchors])
    return files


def _cli(*args: Any) -> None:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr


def _cli_files(source: bytes, tmp: Path) -> dict[str, Made]:
    identity = create_identity(tmp / "identity", organization="CLI interop")
    anchors = [load_trust_anchors(identity.directory)]
    keys = tmp / "keys"
    pubs = [write_recipient_key(keys, kind=kind, name=kind)[1] for kind in ("x25519", "p384")]
    src = tmp / "src.jpg"
    src.write_bytes(source)
    base = ["--identity", identity.directory]
    recipients = [arg for pub in pubs for arg in ("--recipient", pub)]
    _cli("annotate", src, "-o", tmp / "r.jpg", *base, "--type", "edited", "--author", "Cli Author",
         "--region", "1,1,5,5", "--restrict", "author,regions", *recipients)
    _cli("annotate", src, "-o", tmp / "rz.jpg", *base, "--type", "edited", "--author", "Cli Author",
         "--restrict", "author", *recipients, "--compress")
    _cli("annotate", tmp / "r.jpg", "-o", tmp / "x.jpg", *base, "--type", "enhanced",
         "--redact", "org.fakemedia.annotation", "--redaction-reason", "c2pa.trade-secret.present")
    _cli("annotate", tmp / "x.jpg", "-o", tmp / "y.jpg", *base, "--type", "composed")
    return {f"cli-{name}": ((tmp / f"{name}.jpg").read_bytes(), anchors) for name in ("r", "rz", "x", "y")}


@pytest.fixture(scope="module")
def made(source_jpeg: bytes, identity_factory: Callable[[str], Any],
         tmp_path_factory: pytest.TempPathFactory) -> dict[str, Made]:
    return {**_api_files(source_jpeg, identity_factory),
            **_cli_files(source_jpeg, tmp_path_factory.mktemp("cli-interop"))}


NAMES = ["restricted-x25519", "restricted-ec-rsa", "restricted-brob", "restricted-parent-chain",
         "redacted", "redacted-then-annotated", "restricted-and-redacting",
         "cli-r", "cli-rz", "cli-x", "cli-y"]


@pytest.mark.parametrize("name", NAMES)
def test_c2pa_python_reads_trusted_without_failures(made: dict[str, Made], name: str) -> None:
    data, anchors = made[name]
    result = oracle.read(data, oracle.anchors_text(anchors))
    assert result.failures == frozenset(), result.results
    assert result.state == "Trusted", result.results


@pytest.mark.parametrize("name", NAMES)
def test_ours_reads_trusted(made: dict[str, Made], name: str) -> None:
    data, anchors = made[name]
    report = api.verify_bytes(data, trust_anchors=anchors)
    assert (report.state, report.failures()) == ("Trusted", [])


def test_every_case_is_made(made: dict[str, Made]) -> None:
    assert sorted(made) == sorted(NAMES)


@pytest.mark.parametrize("name", ["redacted", "cli-x"])
def test_c2pa_python_sees_the_redaction(made: dict[str, Made], name: str) -> None:
    """c2pa-python's own manifest view has the ``c2pa.redacted`` action and the claim's list."""
    import io
    import json

    data, _ = made[name]
    with oracle.c2pa.Reader("image/jpeg", io.BytesIO(data)) as reader:
        store = json.loads(reader.json())
    active = store["manifests"][store["active_manifest"]]
    actions = next(a["data"]["actions"] for a in active["assertions"]
                   if a["label"].startswith("c2pa.actions"))
    redactions = [a for a in actions if a["action"] == "c2pa.redacted"]
    assert len(redactions) == 1
    assert redactions[0]["parameters"]["redacted"].endswith("/c2pa.assertions/org.fakemedia.annotation")
