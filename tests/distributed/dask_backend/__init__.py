"""Tests of fakemedia.distributed. (A package one level down: a test package named
``distributed`` would shadow Dask's own ``distributed`` on pytest's import path.)"""
