"""JPEG Trust (ISO/IEC 21617-1): Trust Indicator Sets built from our own verification,
Trust Profiles evaluated with a json-formula engine, and Trust Reports."""
