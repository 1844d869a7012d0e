"""Installable on a phone: the web app manifest and the service worker, served from
the portal's own origin (the worker's scope must be the whole site)."""
