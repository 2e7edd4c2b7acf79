"""Derivations: one module per result, each a pure function spec -> Derivation."""
