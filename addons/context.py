"""The handle through which stage addons reach the gateway's parsed state (gateway.services.Services).

One Context object is created per pipeline and given to every stage addon at construction; the bootstrap
addon fills it when mitmproxy starts. A hook that finds it empty fails closed (503).
"""

from __future__ import annotations

from gateway.errors import Unavailable
from gateway.services import Services


class Context:
    def __init__(self, services: Services | None = None):
        self._services = services

    @property
    def services(self) -> Services:
        if self._services is None:
            raise Unavailable("not_ready", "the gateway is starting or its configuration failed to load; "
                                           "retry later")
        return self._services

    def set(self, services: Services) -> None:
        self._services = services
        self._admin = None

    _admin = None

    @property
    def admin(self):
        """The console's context on the gateway's own database and trail (for /_govshare/applications),
        built once (Bootstrap.running builds it before traffic; first use otherwise)."""
        if self._admin is None:
            from gateway.admin.context import AdminContext

            services = self.services
            self._admin = AdminContext(services.config, engine=services.engine, audit=services.audit)
        return self._admin

    @property
    def ready(self) -> bool:
        return self._services is not None
