"""govshare core: catalog, identity, policy, masking and audit, importable without mitmproxy."""

__version__ = "0.1.0"
