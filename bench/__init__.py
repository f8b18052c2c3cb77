"""govshare's benchmark: what the gateway costs over bare mitmproxy, measured side by side in one run.

`python -m bench.run` (or `govshare bench`) starts a fast fixed-body upstream, bare mitmproxy, a
policy-only gateway and the full gateway in separate processes, drives them with a load generator (wrk
when on PATH, else a built-in asyncio client), measures in-process masking and audit throughput and
scaling across gateway processes, and writes bench/results/<timestamp>.json and latest.json.
`python -m bench.readme_table` puts the latest figures into the README.
"""
