"""Detector inference: the JPEG AI-style encoder, features, numpy evaluation of model files.

Needs the ``detect`` extra (torch, safetensors). It stands apart from the provenance layers and
only :mod:`fakemedia.detection` and the API reach it; training lives in :mod:`fakemedia.lab`.
"""
