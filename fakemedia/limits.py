"""Every resource bound in one place.

Parsers read lengths from untrusted files; each bound below stops a lying length, a deep
nesting or a decompression bomb before it costs time or memory. Exceeding one raises
:class:`fakemedia.errors.LimitExceeded`.
"""

from __future__ import annotations

#: Largest input file read into memory (bytes). JPEGs beyond this are refused, not streamed.
MAX_FILE_BYTES = 512 * 1024 * 1024
#: Largest reassembled JUMBF manifest store (c2pa-rs caps manifests at a similar size).
MAX_STORE_BYTES = 64 * 1024 * 1024
#: Deepest JUMBF superbox nesting; a C2PA store needs 5 levels, thumbnails add one.
MAX_BOX_DEPTH = 16
#: Most boxes in one store, all levels together.
MAX_BOXES = 100_000
#: Most marker segments before the scan data.
MAX_SEGMENTS = 10_000
#: Most APP11 packets in one JUMBF box.
MAX_APP11_PACKETS = 4096
#: Decompressed size cap for a Brotli-compressed manifest (c2pa-rs defaults to 32 MB).
MAX_DECOMPRESSED_BYTES = 32 * 1024 * 1024
#: Most manifests in a store and deepest ingredient chain followed.
MAX_MANIFESTS = 1024
#: Validation visits each manifest once, so a chain may be as long as the store allows.
MAX_INGREDIENT_DEPTH = MAX_MANIFESTS
#: Levels of the ingredient tree ``history`` prints; deeper nodes are marked truncated (the
#: parentOf chain is always printed whole, flat).
MAX_HISTORY_TREE_DEPTH = 32
#: Most exclusion ranges in one data-hash assertion.
MAX_EXCLUSIONS = 1024
#: Largest CBOR/JSON item decoded from a box.
MAX_CBOR_BYTES = 16 * 1024 * 1024
#: Deepest array/map nesting of a decoded CBOR claim or CBOR/JSON assertion; deeper content is
#: reported as assertion.cbor.invalid / assertion.json.invalid (C2PA structures need < 10).
MAX_NESTING = 64
#: Most certificates in an x5chain.
MAX_CHAIN_CERTS = 16
#: Largest image (pixels) the detector decodes; bigger images are downscaled first.
MAX_DETECT_PIXELS = 4096 * 4096
#: Largest image (pixels) Pillow may decode at all (decompression-bomb guard).
MAX_DECODE_PIXELS = 20000 * 20000
#: Largest thumbnail read from a manifest (stored bytes) and its largest decoded size (pixels);
#: a bigger one is not shown (c2pa-rs makes thumbnails of at most 1024 pixels a side).
MAX_THUMBNAIL_BYTES = 4 * 1024 * 1024
MAX_THUMBNAIL_PIXELS = 4096 * 4096
#: Largest remote manifest store fetched, and how long a fetch may take (seconds).
MAX_REMOTE_STORE_BYTES = MAX_STORE_BYTES
REMOTE_FETCH_TIMEOUT = 20.0
#: Longest an external signer command may run (seconds) and the most it may print.
SIGNER_COMMAND_TIMEOUT = 30.0
MAX_SIGNER_OUTPUT_BYTES = 64 * 1024
#: Largest manifest definition (JSON) read.
MAX_DEFINITION_BYTES = 4 * 1024 * 1024
#: CAWG identity assertions: most assertion references in one signer payload, largest
#: verifiable credential (JSON bytes) and its deepest nesting, most verified identities in one
#: credential, longest issuer DID.
MAX_IDENTITY_REFERENCES = 1024
MAX_CREDENTIAL_BYTES = 1024 * 1024
MAX_CREDENTIAL_DEPTH = 32
MAX_VERIFIED_IDENTITIES = 256
MAX_DID_CHARS = 8192

#: Largest RFC 3161 time-stamp token or response read from a COSE header, and the most a TSA
#: reply may hold (real tokens are 1-7 kB; the reference SDK reads at most 1 MB from a TSA).
MAX_TIMESTAMP_BYTES = 256 * 1024
#: Largest stapled OCSP response read from a COSE header.
MAX_OCSP_BYTES = 256 * 1024


# --- JPEG Trust profiles: json-formula expressions are untrusted input ---
#: Longest json-formula expression accepted (characters).
MAX_FORMULA_CHARS = 20_000
#: Deepest expression nesting (parser recursion and evaluation recursion).
MAX_FORMULA_DEPTH = 64
#: Most evaluation steps (AST nodes visited, function-body calls included) per search.
MAX_FORMULA_STEPS = 1_000_000
#: Largest value one search may build: string characters or array/object members.
MAX_FORMULA_OUTPUT = 1_000_000
#: Largest trust profile file read, includes counted one by one (bytes).
MAX_PROFILE_BYTES = 1024 * 1024
#: Most profile files one evaluation loads (the profile and its includes).
MAX_PROFILE_INCLUDES = 16
#: Largest indicator-set JSON read by `trust eval` (bytes).
MAX_INDICATOR_SET_BYTES = 64 * 1024 * 1024
