"""The proxy side's wiring: options declared and validated the mitmproxy way, proxy options forced in one
place, and the entry points through which the core's CLI finds the runner without importing it."""

from __future__ import annotations

import pytest
from mitmproxy import exceptions
from mitmproxy.test import taddons

from addons.bootstrap import ENFORCED_OPTIONS, Bootstrap
from addons.context import Context


def test_a_config_that_does_not_parse_is_an_options_error_naming_file_and_line(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text('catalog = "c.yaml"\n[gateway\n')
    with taddons.context() as tctx:
        boot = Bootstrap(Context())
        tctx.master.addons.add(boot)
        with pytest.raises(exceptions.OptionsError, match=r"broken\.toml.*line 2"):
            tctx.configure(boot, govshare_config=str(bad))


def test_the_pipelines_proxy_options_are_forced_whatever_was_set():
    from mitmproxy.addons import proxyserver, tlsconfig

    with taddons.context(proxyserver.Proxyserver(), tlsconfig.TlsConfig()) as tctx:
        boot = Bootstrap(Context(services=object()))  # services handed in, as under `govshare run`
        tctx.master.addons.add(boot)
        tctx.configure(boot, connection_strategy="eager", ssl_insecure=True, keep_host_header=True)
        assert {k: getattr(tctx.options, k) for k in ENFORCED_OPTIONS} == ENFORCED_OPTIONS


def test_the_gateways_tls_addon_answers_no_request_itself_and_keeps_its_tls_hooks():
    from mitmproxy.addons import tlsconfig

    from addons.runner import proxy_addons

    [tls] = [a for a in proxy_addons() if isinstance(a, tlsconfig.TlsConfig)]
    assert tls.request is None  # mitmproxy's CRL answer is not the gateway's: the request goes to the pipeline
    for hook in ("tls_start_client", "tls_start_server", "configure", "running"):
        assert callable(getattr(tls, hook))
