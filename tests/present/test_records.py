"""present.records: the lines the small commands print (keys, repo, detect)."""

from __future__ import annotations

from fakemedia.present import records


def test_identity_and_recipient_text() -> None:
    info = {"directory": "/id", "algorithm": "es256", "signer_key": "/id/signer.key.pem",
            "encrypted": True, "trust_anchors": None,
            "signer": {"common_name": "S", "organization": "O", "issuer_common_name": "CA",
                       "not_before": "a", "not_after": "b"}}
    lines = records.identity_text(info).splitlines()
    assert lines[0] == "Identity in /id" and "(encrypted)" in lines[5]
    assert lines[6].endswith("none (not a local identity)")
    shown = records.recipient_text({"kind": "x25519", "key_id": "ab", "private_key": "k.pem",
                                    "public_key": "p.pem", "encrypted": False})
    assert shown.splitlines()[0] == "Created x25519 recipient key ab"
    assert "FAKEMEDIA_DECRYPT_PASSPHRASE" not in shown and "--decrypt-key k.pem" in shown


def test_repository_lines() -> None:
    assert records.added_line({"manifest": "urn:c2pa:1", "file": "a.jpg", "soft_bindings": []}) == \
        "Added urn:c2pa:1 from a.jpg (no soft bindings: found by nothing)"
    listing = {"count": 1, "entries": [{"manifest": "urn:c2pa:1", "created": "t", "title": None,
                                        "soft_bindings": ["io.iscc.v0"]}]}
    assert records.listing_text(listing, "r.db") == \
        "1 manifest in r.db\n  urn:c2pa:1  t  -  [io.iscc.v0]"
    entry = {"manifest": "urn:c2pa:1", "state": "Invalid", "failures": ["claimSignature.mismatch"],
             "created": "t", "title": "x", "store_bytes": 3, "store_sha256": "00",
             "soft_bindings": [{"kind": "fingerprint", "alg": "io.iscc.v0", "value": "ff"}]}
    lines = records.entry_text(entry).splitlines()
    assert lines[0] == "urn:c2pa:1  (Invalid: claimSignature.mismatch)"
    assert lines[-1] == "  fingerprint:  io.iscc.v0 ff"


def test_detection_line() -> None:
    found = {"probability_synthetic": 0.12345, "label": "real", "heatmap": "h.png",
             "model": {"name": "m", "sha256": "0123456789abcdef"}, "not_assessed": None}
    assert records.detection_line("a.jpg", found) == \
        "a.jpg: P(synthetic) = 0.123 by model m 0123456789ab (uncalibrated score); called real; heatmap h.png"
    calibrated = {**found, "heatmap": None, "calibrated": True, "decision_threshold": 0.6829,
                  "label": "synthetic", "probability_synthetic": 0.9,
                  "model": {"name": "m", "version": "2", "sha256": "0123456789abcdef"}}
    assert records.detection_line("c.jpg", calibrated) == ("c.jpg: P(synthetic) = 0.900 by model m 2 "
                                                           "0123456789ab (calibrated); called synthetic "
                                                           "(threshold 0.68)")
    # Not assessed: the reason, and no number a reader could take for a finding.
    small = {**found, "heatmap": None, "label": "not assessed", "not_assessed": "too small"}
    assert records.detection_line("b.jpg", small) == "b.jpg: not assessed: too small (model m 0123456789ab)"
