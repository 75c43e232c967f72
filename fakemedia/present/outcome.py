"""What a verify, history or recovery ends in: the shown text or document, and the error whose
exit code the command line returns. Every ``fakemedia verify`` loads this module: the wording
(:mod:`.text`) and the documents (:mod:`.json`) load only when used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from fakemedia.errors import (
    BatchError,
    FakemediaError,
    ManifestNotFound,
    ParentInvalid,
    Recovered,
    RecoveryConflict,
    VerificationError,
)
from fakemedia.manifest.reader import VerificationReport
from fakemedia.manifest.verdict import verdict_of


def problem_of(report: VerificationReport) -> FakemediaError | None:
    """The error matching a report's provenance verdict (None for Valid and Trusted)."""
    judged = verdict_of(report)
    name = report.source or "input"
    if not judged.provenance.found:
        if report.remote_url:
            return ManifestNotFound(f"{name}: only a remote manifest reference "
                                    f"({report.remote_url}); it was not fetched")
        return ManifestNotFound(f"{name}: no C2PA manifest (no Content Credentials)")
    if judged.provenance.acceptable:
        return None
    from fakemedia.present import text  # the wording only for a verdict that fails

    return VerificationError(f"{name}: {text.verdict(report, judged).removeprefix(text.BAD + ' ')}")


def recovery_problem(name: str, found: Any, *, recovered: bool = False) -> FakemediaError | None:
    """The error a soft-binding look-up's state exits with; a recovery is one only for
    ``recovered`` (verify: exit 9, never the 0 of Valid), else None."""
    r = found.recovery
    if found.state == "recovered":
        return Recovered(f"{name}: {r.message}") if recovered else None
    if found.state == "conflict":
        return RecoveryConflict(f"{name}: {r.message}")
    if found.state == "invalid":
        return VerificationError(f"{name}: {r.message}")
    return ManifestNotFound(f"{name}: {r.message} ({found.repository})")


def result_problem(result: Any) -> FakemediaError | None:
    """The error of one verified item (a batch result with its report and any recovery)."""
    if result.recovery is None:
        return problem_of(result.report)
    return recovery_problem(str(result.source), result.recovery, recovered=True)


def parent_problem(records: Sequence[Mapping[str, Any]], total: int | None = None) -> ParentInvalid | None:
    """annotate's exit 8: written and sound, but the manifest continued does not validate.
    ``records``: the files written; ``total``: how many a batch had (None: one file alone)."""
    invalid = [r for r in records if r.get("parent_state") == "Invalid"]
    if not invalid:
        return None
    if total is None:
        return ParentInvalid(f"{invalid[0]['output']}: written, but the manifest it continues does not "
                             "validate (recorded in its ingredient)")
    return ParentInvalid(f"{len(invalid)} of {total} files continue a manifest that does not validate "
                         "(written; recorded in their ingredients)")


def shown(report: VerificationReport, *, history: bool = False, as_json: bool = False,
          tree: bool = False, found: Any = None) -> Any:
    """The text (or, ``as_json``, the document) of a verify, a history or a recovery."""
    if as_json:
        from fakemedia.present import json as documents

        if found is not None:
            return documents.recovery_document(report, found)
        return documents.history_document(report) if history else documents.verify_document(report)
    from fakemedia.present import text

    if found is not None:
        return text.recovery_text(report, found)
    if history:
        return text.history_text(report, report.history(), tree=tree or text.needs_tree(report))
    local = None
    if report.state == "Valid":
        from fakemedia import api

        local = api.local_anchor_for(report)
    return text.report_text(report, local_anchor=local)


def shown_many(results: Sequence[Any], *, history: bool = False, as_json: bool = False,
               tree: bool = False) -> str | list[Any]:
    """Several verified items as ``verify``/``history`` print them: every report (text blocks
    apart, or one JSON list with an error document for each item that has no report)."""
    ok = [r for r in results if r.report is not None]
    if not as_json:
        return "\n\n".join(str(shown(r.report, history=history, tree=tree, found=r.recovery)) for r in ok)
    from fakemedia.present import json as documents

    failed = [r for r in results if r.report is None]
    return ([shown(r.report, history=history, as_json=True, tree=tree, found=r.recovery) for r in ok]
            + [documents.error_document(r.source, r.error or "", r.exit_code) for r in failed])


def failures_of(judged: Sequence[tuple[Any, FakemediaError | None]]) -> list[tuple[str, str]]:
    """(source, why) of each item that failed or whose verdict is an error, in order."""
    return [(str(r.source), str(problem) if problem else r.error or "unknown error")
            for r, problem in judged if r.report is None or problem]


def annotate_shown(records: Sequence[dict[str, Any]], *, single: bool = False, as_json: bool = False
                   ) -> tuple[Any, list[tuple[str, str]], ParentInvalid | None]:
    """What ``annotate`` prints for its records (one file: its record; several: the written
    ones, then the failed ones), the (input, error) of each failure, and exit 8's error.
    ``seconds`` stays in the log only, so stdout is comparable between runs."""
    from fakemedia.present import text

    for r in records:
        r.pop("seconds", None)
    if single:
        record = records[0]
        return (record if as_json else text.annotate_summary(record)), [], parent_problem([record])
    done = [r for r in records if "error" not in r]
    failed = [r for r in records if "error" in r]
    out = done + failed if as_json else "\n".join(text.annotate_summary(r) for r in done)
    return out, [(str(r["input"]), str(r["error"])) for r in failed], parent_problem(done, len(records))


#: Said once, with the first file signed, so that a failing input keeps its one-line error.
NO_DETECTOR = ("the detector stack is not installed: signing without detection "
               "(pip install 'fakemedia[detect]')")


def annotate_records(results: Iterable[Any], annotation: Mapping[str, Any], restricted: Sequence[str],
                     detecting: bool, *, unnoted: bool = False) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """Each annotate result's record (see :func:`.json.annotate_record`) and the notes for stderr
    that go with it: its warnings and, when ``unnoted``, :data:`NO_DETECTOR` with the first
    file signed."""
    from fakemedia.present import json as documents

    for result in results:
        notes = [f"{result.source}: {message}" for message in result.warnings]
        record = documents.annotate_record(result, annotation, restricted, detecting)
        if unnoted and "error" not in record:
            notes.append(NO_DETECTOR)
            unnoted = False
        yield record, notes


def detect_lines(results: Iterable[Any], *, as_json: bool, failed: list[str]) -> Iterator[tuple[str, bool]]:
    """Each detect result's line (one JSON object with ``as_json``) and whether it is an error for
    stderr; the source of each failure is added to ``failed``."""
    import json

    from fakemedia.present import records

    for result in results:
        if result.detection is None:
            failed.append(str(result.source))
            why = str(result.error)
            # Worded as a failed file of a verify batch; the name once, however the error put it.
            named = why if str(result.source) in why else f"{result.source}: {why}"
            yield f"fakemedia: failed: {named}", True
            continue
        found = {**result.detection, "file": result.source}
        yield (json.dumps(found) if as_json else records.detection_line(result.source, found)), False


def detect_problem(failed: Sequence[str], total: int) -> BatchError | None:
    """Exit 7 naming the images that failed, or None when none did."""
    return BatchError(f"{len(failed)} of {total} images failed: {', '.join(failed)}") if failed else None
