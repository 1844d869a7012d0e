"""Answering htmx and plain requests from one page template."""
from flask import make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and "HX-History-Restore-Request" not in request.headers


def render(template: str, block: str | None = None, status: int = 200, **context):
    """The whole page for a normal request; only `block` of the same template for
    htmx. Either way `Vary: HX-Request`, so no cache hands one to the other."""
    if block and is_htmx():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response
