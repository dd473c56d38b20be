"""Kratos' self-service rules (the public API) as pure functions: session credentials, cookies and
CSRF, UI nodes and texts, login and registration flows, the password policy. No HTTP framework
here; the handlers in ``mockserver.handlers`` (``frontend_*``, ``login``, ``registration``,
``logout``) call these and the store."""
