"""mitmproxy addons of govshare: one thin addon per pipeline stage, each calling one core module."""
