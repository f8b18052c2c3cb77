"""Privacy masking: detection of Chinese identifiers (detector, recognizers) and the Masker that
rewrites response bodies per caller (engine, operators, rules, walker, body, pseudonym keys).

Import from the submodules (`gateway.masking.engine`, `gateway.masking.detector`); this package
imports nothing itself so that loading the rules or operators never builds the NLP engine.
"""
