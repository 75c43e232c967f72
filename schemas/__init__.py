"""JSON Schemas shipped with the package (source: the repository's top-level schemas/)."""
