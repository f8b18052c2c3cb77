"""Privacy masking: detection of Chinese identifiers and the Masker that rewrites response bodies per caller.

- engine (Masker, build_masker), session (one call's state), types (MaskingView, Finding, MaskResult, Rule),
  idpolicy (which identifiers count as proven; hint shapes);
- shapes (tables, JSON in strings, queries, financial rows), walker (JSON walking), body (codecs);
- detector (presidio engine, batch path), spans (Span, context enhancement, overlaps), normalise (the view
  detection reads), nlp_engine (jieba/rjieba tokens and name tags), recognizers/ (one per entity), keynames;
- operators, text_operators, opcore (what a masked value becomes), rules (the rules file), pseudonym keys,
  views (a caller's MaskingView), refusal (MaskingRefused, the watchdog), routing (inline or worker).
Checksums and structure rules of identifiers live in gateway.identifiers.

Import from the submodules (`gateway.masking.engine`, `gateway.masking.detector`); this package
imports nothing itself so that loading the rules or operators never builds the NLP engine.
"""
