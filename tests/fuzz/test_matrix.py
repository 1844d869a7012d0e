"""The permission matrix (tests/test_policy.py) reaches every route that exists, by
method, and each row's path really is the route it names."""
import pytest
from werkzeug.routing import RequestRedirect

from tests.test_policy import MATRIX, OUTSIDE_MATRIX, ROLES, resolve

# Reachable without logging in, or the way in and out: no role decides them.
PUBLIC = {"static", "auth.login", "auth.login_POST", "auth.logout_POST", "hall.hall", "hall_publicity.hall",
          "pwa.manifest", "pwa.service_worker"}


def routes(app) -> set[tuple[str, str]]:
    """(endpoint, method) of every route a browser can use."""
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"} if rule.endpoint not in PUBLIC}


@pytest.mark.fuzz
def test_only_the_listed_public_routes_stay_outside_the_matrix():
    assert OUTSIDE_MATRIX <= PUBLIC, "a route left out of the matrix is not a public one"


@pytest.mark.fuzz
def test_every_route_and_method_has_a_matrix_row_whose_path_reaches_it(app):
    adapter = app.url_map.bind("localhost")
    reached = set()
    for method, template, endpoint, _allowed, _data in MATRIX:
        path = resolve(app, template).split("?")[0]
        try:
            found, _args = adapter.match(path, method=method)
        except RequestRedirect as redirect:  # a missing trailing slash: follow it once
            found, _args = adapter.match(redirect.new_url.split("localhost", 1)[1], method=method)
        assert found == endpoint, f"{method} {template} reaches {found}, not {endpoint}"
        reached.add((endpoint, method))
    assert routes(app) - reached == set(), "routes without a row in tests/test_policy.py MATRIX"


@pytest.mark.fuzz
def test_the_matrix_is_walked_by_staff_of_the_own_and_of_another_community():
    """Each community-level position is represented in two communities, and the street
    and district levels too, so every row is tried from inside and outside its scope."""
    homes = {}
    for level, home in ROLES.values():
        homes.setdefault(level, set()).add(home)
    assert len(homes["community"]) >= 2 and "street" in homes and "district" in homes
    community_roles = [name for name, (level, _home) in ROLES.items() if level == "community"]
    for position in ("secretary", "worker"):
        assert len({ROLES[r][1] for r in community_roles if position in r}) >= 2, position
