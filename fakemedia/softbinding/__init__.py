"""Durable credentials: soft bindings that let a stripped copy find its manifest again.

* :mod:`.watermark` — a 32-bit invisible watermark (RivaGAN via onnxruntime, the ``watermark``
  extra), embedded in a 256×256 copy and carried to full size as an upsampled residual;
* :mod:`.fingerprint` — the ISCC image Content-Code (ISO 24138), a perceptual hash;
* :mod:`.repository` — a SQLite manifest repository indexed by both;
* :mod:`.recovery` — from pixels to a validated, matching manifest, and back into a file.

Nothing here is imported by ``verify`` of a file that still carries its manifest: every module
loads numpy, Pillow and the model only when called (C2PA 2.1 §18.10 soft bindings).
"""
