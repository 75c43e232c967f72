"""Identity assertions are validated once: validation records an IdentityFinding per
assertion and the report shows those facts without checking the credential again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fakemedia import api
from fakemedia.formats import app11
from fakemedia.manifest import cawg
from fakemedia.manifest.store import parse_store
from fakemedia.manifest.validate import StoreResults, TrustSettings, validate_store

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures"


def _need(name: str) -> bytes:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"{name} missing from the shared fixtures")
    return path.read_bytes()


def _validated(name: str) -> tuple[Any, StoreResults]:
    data = _need(name)
    location = app11.find_c2pa_store(data)
    assert location is not None
    store = parse_store(location.jumbf)
    return store, validate_store(store, data, location, TrustSettings())


def test_validation_records_the_identity_facts() -> None:
    store, results = _validated("c2pa-rs-more/ica-success.jpg")
    active = store.active
    [finding] = results.identities[active.label]
    assert finding.label.startswith("cawg.identity")
    assert finding.url.endswith("/c2pa.assertions/" + finding.label)
    assert finding.codes == ("cawg.ica.untrusted_issuer",) and finding.failures == ()
    identity = finding.identity
    assert identity is not None and identity.verified and not identity.trusted
    assert identity.credential_type == cawg.identity.ICA and identity.name == "First-Name Last-Name"
    assert identity.issuer is not None and identity.issuer.startswith("did:jwk:")
    # the codes are the ones the manifest's status list got
    assert set(finding.codes) <= set(results.active_manifest.codes("informational"))


def test_failed_identity_is_recorded_with_its_failure_codes() -> None:
    store, results = _validated("c2pa-rs-more/ica-invalid_time_stamp.jpg")
    [finding] = results.identities[store.active.label]
    assert finding.failures == ("cawg.ica.time_stamp.invalid",)
    assert finding.identity is not None and finding.identity.problems == ("cawg.ica.time_stamp.invalid",)


def test_manifests_without_identity_assertions_have_no_entry() -> None:
    _store, results = _validated("c2pa-rs/CA.jpg")
    assert results.identities == {}


@pytest.mark.parametrize("name", ["c2pa-rs-more/ica-success.jpg", "c2pa-rs/C_with_CAWG_data.jpg"])
def test_the_report_does_not_validate_identities_again(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = cawg.validate_identity

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1].label)
        return real(*args, **kwargs)

    monkeypatch.setattr(cawg, "validate_identity", counting)
    report = api.verify_bytes(_need(name))
    assert report.manifests[-1].identities  # shown...
    assert len(calls) == len(set(calls)) == len(report.manifests[-1].identities)  # ...checked once


def test_identities_of_still_validates_without_recorded_findings() -> None:
    store, results = _validated("c2pa-rs-more/ica-success.jpg")
    recorded = cawg.identities_of(store.active, TrustSettings(), results.identities[store.active.label])
    fresh = cawg.identities_of(store.active, TrustSettings())
    assert recorded == fresh and len(fresh) == 1
