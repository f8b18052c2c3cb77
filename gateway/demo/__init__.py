"""Demo departments for govshare: realistic Chinese records with valid checksums, served on loopback.

- `identifiers`: generators and validators for the identifiers the gateway masks (ID numbers, mobiles,
  bank cards, USCC codes, landlines, plates) plus a table of real county-level area codes.
- `people`: names, ethnicities and addresses with real frequencies, districts and streets.
- `data`: deterministic record sets (population, enterprises, annual reports, subsidies, ...) from a seed.
- `upstreams`: the departments' own HTTP APIs (stdlib servers) that record the headers they receive.
- `catalog`: a copy of the shipped demo catalog pointed at upstreams bound elsewhere (tests, port 0).
"""
