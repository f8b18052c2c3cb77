"""The officers' console: administrator accounts with one role each, sessions, share applications and the
web pages and JSON API the three separated administrators (system, security, audit) work in.

Core only (no mitmproxy): `gateway.admin.app.build_app(ctx)` is a Starlette application; the gateway's
proxy side may expose `gateway.admin.gateway_api.handle` for `/_govshare/applications` on the data port.
"""
