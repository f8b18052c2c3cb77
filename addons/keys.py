"""The flow.metadata keys through which pipeline stages talk to each other (and nothing else)."""

REQUEST_ID = "govshare.request_id"  # str: the id returned to the caller and written to the audit trail
STARTED = "govshare.started"  # float: time.monotonic() when the request reached the gateway
BYTES_IN = "govshare.bytes_in"  # int: request body size as received
ROUTE = "govshare.route"  # gateway.catalog.Route
PRINCIPAL = "govshare.principal"  # gateway.identity.Principal
DECISION = "govshare.decision"  # gateway.policy.Decision
ALLOWED = "govshare.allowed"  # True only when authorize allowed the request (the gate checks it)
DENIED = "govshare.denied"  # dict(status, reason, stage): the gateway answered itself
MASKED = "govshare.masked"  # True only when the mask stage released the response body
FINDINGS = "govshare.masking"  # list[gateway.masking.engine.Finding]
ERROR = "govshare.error"  # str: class of the error that caused a deny (no message, no values)
ERROR_RESPONSE = "govshare.error_response"  # mitmproxy Response to send instead of mitmproxy's own error page
AUDIT_SEQ = "govshare.audit_seq"  # int: sequence number of this flow's audit record
UPSTREAM_TIMED_OUT = "govshare.upstream_timed_out"  # True when the upstream watchdog fired
