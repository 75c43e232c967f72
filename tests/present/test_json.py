"""The JSON documents: one function each, the same as the command line prints, valid by schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from fakemedia import api
from fakemedia.cli import main
from fakemedia.present import json as documents


def test_verify_document_is_what_verify_json_prints(signed_jpeg: bytes, tmp_path: Path, es256: Any) -> None:
    image = tmp_path / "signed.jpg"
    image.write_bytes(signed_jpeg)
    anchors = str(es256.directory / "trust-anchors.pem")
    result = CliRunner().invoke(main, ["verify", "--json", "--trust-anchors", anchors, str(image)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    ours = documents.verify_document(api.verify(image, trust_anchors=es256.anchors))
    for doc in (printed, ours):
        doc.pop("validation_results")  # statuses name the validation time, to the second
        for m in doc["manifests"]:
            m.pop("validation")
        doc["verdict"]["provenance"].pop("judged_at")
    assert printed == ours
    assert ours["verdict"]["provenance"]["state"] == "Trusted"


SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_documents_validate_against_their_schemas(signed_jpeg: bytes, source_jpeg: bytes) -> None:
    from jsonschema import Draft202012Validator

    # The repository's schemas (what the package ships as fakemedia._schemas).
    for kind, render in (("report", documents.verify_document), ("history", documents.history_document)):
        validator = Draft202012Validator(json.loads((SCHEMAS / f"{kind}.schema.json").read_text()))
        for data in (signed_jpeg, source_jpeg):
            errors = [e.message for e in validator.iter_errors(render(api.verify_bytes(data)))]
            assert not errors, (kind, errors)


def test_the_history_document_carries_the_content_assessment(es256: Any, source_jpeg: bytes) -> None:
    prob = {"value": 0.6, "method": "algorithmic", "name": "det", "version": "1", "calibrated": True}
    signed = api.annotate_bytes(source_jpeg, {"modification_types": ["edited"], "probability": prob},
                                es256.signer)
    doc = documents.history_document(api.verify_bytes(signed))
    assert doc["verdict"]["content_assessment"]["label"] == "P(synthetic) by det 1"
    assert doc["verdict"]["provenance"]["state"] == "Valid"
