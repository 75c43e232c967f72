"""Presentation: what people and programs are shown of a result, from one verdict value.

:mod:`.wording` (plain-language meaning of codes), :mod:`.text` (the terminal), :mod:`.html`
(the report page) and :mod:`.json` (the documents ``--json`` prints and a server returns) all
read :class:`fakemedia.manifest.verdict.Verdict`, so no two of them can disagree.
"""
