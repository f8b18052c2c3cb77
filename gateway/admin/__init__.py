"""The officers' console: administrator accounts with one role each, sessions, share applications, the
versioned store of record with shadow evaluation, and the web pages and JSON answers the three separated
administrators (system, security, audit) work in. Core only: nothing here imports mitmproxy.

Wiring (proxy side):
  * `govshare run` / the demo serve the console on a second address (default 127.0.0.1:8081), never the
    data port, sharing the gateway's database and trail:
        console, text = serve.console_beside_gateway(config, services, host, port,
                                                     data_port=gateway_port, demo=is_demo)
        print(text)          # the address, and for the demo one fresh account per role
        ...; console.stop()  # before services.close()
  * `/_govshare/applications` on the data port: answer it before routing with
        reply = gateway_api.handle(ctx, method, path, authorization_header, body, request_id)
    and turn `reply.status`, `reply.headers`, `reply.body()` into the response (it audits the call itself).
  * each reload-loop pass may call `processes.heartbeat(engine, processes.process_id(),
    policy_version=..., catalog_digest=...)` so the system administrator sees what each process has in force.
"""
