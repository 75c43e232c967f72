"""Training and research for the detector (the ``lab`` extra, command ``fakemedia-lab``).

The offline benchmark and its generators, the codec and its training, classifier fitting and
compilation into model files, the factor-grid experiment, the area calibration and their charts.
Builds on :mod:`fakemedia.detect`; nothing outside this package imports it.
"""
