"""The wording of ``fakemedia --help``: each command's description and epilog.

Plain text only (click reflows paragraphs; a ``\\b`` line keeps the next block as written).
It imports nothing but :mod:`fakemedia.errors`, so ``--help`` stays fast and loads no library.
"""

from __future__ import annotations

from fakemedia.errors import exit_code_epilog

# --- what each command does (its --help description) ----------------------------------------
MAIN = """Sign JPEG Fake Media annotations into JPEGs as C2PA manifests, and verify them.

\b
Typical use:
  fakemedia annotate photo.jpg --type edited --purpose journalism
  fakemedia verify photo.signed.jpg
  fakemedia history photo.signed.jpg"""
ANNOTATE = """Sign an annotation into JPEG images as a C2PA manifest.

An existing manifest becomes the parent of the new one, so the history is kept. The input
is never modified unless --in-place; outputs are written atomically. Without --identity a
local, untrusted test identity is created on first use (see 'fakemedia keys')."""
VERIFY = """Check the Content Credentials (C2PA manifests) of JPEG images (or the JPEGs in folders).

The first line is the provenance verdict: Trusted (valid, and the signer is in your trust
list), Valid (intact, signer not trusted), Invalid (something changed after signing) or no
Content Credentials, with the time the signer's certificate was judged at. A detector's or
person's estimate (P(synthetic) by whom) is shown apart: it is never part of the verdict.
--json prints the full report (see 'fakemedia schema report'). Restricted annotation
fields are shown only with a recipient's --decrypt-key. With --repo, an image without a
sound manifest (none embedded, or its hard binding fails) is looked up by its watermark and
fingerprint: "recovered via soft binding" (exit 9) is never Valid."""
HISTORY = """Show the provenance chain of JPEG images (or the JPEGs in folders), oldest step first.

Each step says who signed, when, with which tool, what was modified, why, the content
assessment recorded (P(synthetic) by which detector or person, and how it changed along the
chain), and whether the step validates. --json prints the history (see 'fakemedia schema
history')."""
REPORT = """Write an HTML page about the Content Credentials of IMG, for people to read.

One self-contained file (no network, no scripts): the provenance verdict and, beside it, the
content assessment; the image with the declared regions outlined; the history oldest step
first with each step's validation; and every annotation field. Fields restricted to
recipients appear in clear only with a fitting --decrypt-key (the page is then readable by
its owner only). --json prints {"output": PATH, "state": ...}."""
DETECT = """Probability (0–1) that each IMAGE is synthetic: a content assessment.

Any Pillow-readable image works; it is analysed at the model's training scale (shorter side
256 px for the default model). An image smaller than the model assesses is not enlarged for a
score: it is reported as not assessed, with the reason. The figure is an estimate about the
pixels, never a provenance verdict; it is called calibrated only where the model records a
held-out ECE of at most 0.05. A folder argument means the JPEGs in it, as for 'annotate'."""
RECOVER = """Find the manifest of IMG (a copy whose metadata was stripped) from its pixels.

The watermark and the fingerprint are looked up in the repository, the stored manifest is
validated and its soft bindings compared with IMG (C2PA 2.1 §18.10.5). When it is
recovered, OUT is IMG with that manifest store re-attached: a copy that only lost its
metadata verifies again; a re-encoded one shows its hard-binding mismatch, as it should."""
REPO = """Keep signed manifests in a repository, where stripped copies find them again.

'fakemedia annotate --repo DB [--watermark]' adds each signed manifest with its soft
bindings; 'fakemedia verify --repo DB' and 'fakemedia recover' look copies up."""
KEYS_RECIPIENT = """Create a key pair for reading restricted annotation fields.

Give NAME.pub.pem to whoever annotates ('annotate --restrict FIELD --recipient
NAME.pub.pem'); keep NAME.key.pem to read them ('verify --decrypt-key NAME.key.pem')."""
SCHEMA = """Print a JSON Schema (annotation, report, history or manifest-definition).

annotation: the input of 'annotate --annotation'; report: 'verify --json';
history: 'history --json'; manifest-definition: 'annotate --manifest'. All are JSON
Schema 2020-12."""
STRIP = """Write a copy of IMG without its C2PA manifest (an existing OUT only with --force).

--json prints {"input": IMG, "output": OUT, "removed_bytes": N}."""
TRUST = """JPEG Trust: evaluate a Trust Profile on an image's verified credentials.

\b
fakemedia trust IMG --profile P.yml [--lang en] [--format json|yaml|md] [-o OUT]
                    [--embed-report OUT.jpg [--identity DIR] [--force]]
fakemedia trust eval --profile P.yml SET.json
fakemedia trust indicators IMG
fakemedia trust profile check P.yml [--against SET.json ...]
fakemedia trust profile new --template newsroom|wire-intake|ai-label|blank -o P.yml

--profile also takes a shipped profile's name: newsroom, wire-intake, ai-label.
Exit codes: 0 compliant, 1 not compliant, 2 profile or expression error."""
TRUST_PROFILE_CHECK = """Load a profile, parse every expression, and list warnings (among them every field the
profile reads that no reference indicator set has)."""
SERVE = """Serve the verify page and the HTTP API (POST /v1/verify, /v1/history, /v1/detect,
/v1/annotate; GET /v1/health, /v1/openapi.json).

Listens on 127.0.0.1 unless --host says otherwise; put a reverse proxy with TLS in front of
it to serve others. /v1/annotate signs with --identity and is off unless --token-file is given."""

# --- epilogs: examples, notes and the exit codes ---------------------------------------------

MAIN_EPILOG = exit_code_epilog() + """
\b
Environment:
  FAKEMEDIA_HOME                where the default identity lives (<home>/identity)
  FAKEMEDIA_KEY_PASSPHRASE      passphrase of an encrypted signing key
  FAKEMEDIA_DECRYPT_PASSPHRASE  passphrase of an encrypted --decrypt-key recipient key
  FAKEMEDIA_TRUST_ANCHORS       PEM file of trusted roots used when --trust-anchors is absent
  FAKEMEDIA_REPO                manifest repository used when --repo is absent
"""

_ANNOTATE_NOTES = """\b
Examples:
  fakemedia annotate photo.jpg                       # runs the detector, records its finding
  fakemedia annotate photo.jpg --heatmap photo.heat.png
  fakemedia annotate photo.jpg --type edited --purpose journalism --region 10,20,200,150
  fakemedia annotate fake.jpg --type synthetic --probability 0.97 --method-name mydetector
  fakemedia annotate *.jpg --annotation ann.json -o signed/
  fakemedia annotate incoming/ -r -o signed/ --jobs 0 --log annotate.jsonl
  fakemedia annotate a.jpg --author "J. Doe" --restrict author --recipient editor.pub.pem
  fakemedia annotate a.signed.jpg --type edited --redact org.fakemedia.annotation

\b
Notes on the exit codes: 2 also covers a --recipient file that is no public key and a --redact
naming an assertion that is not there or one that may never be redacted (actions, hard
bindings); 4 a --redact on an image without a manifest; 6 the detector cannot run (--detect or
--model given, model file bad); 7 several files (or a folder) given and some failed (the others
were written); 8 the image was signed and written, and its new manifest is sound, but the
manifest it continues does not validate (its ingredient records why; the log's parent_state
says so too). On any other error nothing is written for that file.

\b
Batches: a folder argument means the JPEGs in it (*.jpg, *.jpeg; --recursive for subfolders);
with -o DIR each keeps its path under the folder. --jobs N signs N images at a time in worker
processes, each loading the signer and the detector once. Failures are listed at the end.

\b
Detection: with no --type (or with --detect) the detector's P(synthetic) is recorded in the
annotation, beside declared values, and areas only where the model carries an area rule
calibrated on held-out real photographs; an image smaller than the model assesses (256 px on
the shorter side for the shipped model) is signed without a finding, and that is said.
--probability/--region given on the command line win over the detector's. Detection is a
finding (a content assessment), never recorded as a modification type or action, and never
part of a provenance verdict. --no-detect skips it; without the detector stack installed the
image is signed without it, and that is said once.
"""
ANNOTATE_EPILOG = _ANNOTATE_NOTES + "\n" + exit_code_epilog((0, 2, 3, 4, 5, 6, 7, 8))

_VERIFY_CODES = (0, 1, 2, 3, 4, 5, 7, 9, 10)
_VERIFY_NOTE = """\b
4: a remote manifest is reported but never fetched. 5: a --decrypt-key cannot be loaded (wrong
passphrase, not a recipient key); whether restricted fields decrypt never changes the exit code.
7: several files (or a folder) given and some were not Valid/Trusted (each listed at the end).
A folder argument means the JPEGs in it (--recursive: subfolders too); --jobs N checks N at a
time.
"""
VERIFY_EPILOG = exit_code_epilog(_VERIFY_CODES, _VERIFY_NOTE)
HISTORY_EPILOG = exit_code_epilog(_VERIFY_CODES, _VERIFY_NOTE.replace(
    "\b\n", "\b\n0: the newest step is Valid or Trusted. ", 1))
REPORT_EPILOG = exit_code_epilog((0, 1, 2, 3, 4, 5), "The page is written for 0, 1 and 4 as well.")
DETECT_EPILOG = exit_code_epilog((0, 2, 3, 6, 7))
STRIP_EPILOG = exit_code_epilog((0, 2, 3, 4))

RECOVER_EPILOG = exit_code_epilog((0, 1, 2, 3, 4, 10), """\b
0: the manifest was recovered and OUT written. 1: the repository's manifest no longer validates.
4: no manifest in the repository matches. 10: the watermark and the fingerprint disagree.
""")
REPO_ADD_EPILOG = exit_code_epilog((0, 1, 2, 3, 4))
REPO_ENTRY_EPILOG = exit_code_epilog((0, 2, 3, 4))

KEYS_EPILOG = """\b
A local identity is a private root CA plus a C2PA signing certificate it issued. Its manifests
verify as Valid everywhere, and as Trusted where its trust-anchors.pem is given to
'fakemedia verify --trust-anchors'. A recipient key pair ('keys recipient') lets its holder
read restricted annotation fields.
""" + "\n" + exit_code_epilog((0, 2, 5))

SERVE_EPILOG = """\b
Exit codes: 0 stopped cleanly (Ctrl-C), 2 usage error (bad option, unreadable trust file,
profile or token file), 5 the signing identity cannot be loaded.
"""

# --- option help shared by several commands --------------------------------------------------

LOG_HELP = ("Append one JSON object per input to FILE.jsonl: input, output, status (ok/error), "
            "exit_code, error, state, parent_state, manifest, probability (when detected), seconds.")
