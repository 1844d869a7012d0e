"""Every form, posted by every role the permission matrix lets post it (the
administrator included), with each field in turn made hostile: never a 5xx.

tests/fuzz/test_forms.py checks each form's answers in depth as one role; a 500 that
only another role reaches (the admin's 封账 without a street) is found here."""
import pytest

from tests.conftest import Auth
from tests.fuzz.cases import CASES
from tests.test_policy import FROZEN, MATRIX, ROLES, resolve

HOSTILE = ("", "abc", "{{7*7}}", "1x", "-1", "9" * 30, "a\x00b", "２０２６-１１-０１", "<script>x</script>", "x" * 5000)


def posting_roles() -> dict[str, list[tuple[str, str]]]:
    """endpoint → [(role, path template)] for every POST row and every role it allows."""
    found: dict[str, list] = {}
    for method, template, endpoint, allowed, _data in MATRIX:
        if method == "POST":
            found.setdefault(endpoint, []).extend((role, template) for role in ROLES if allowed(role))
    return found


PAIRS = posting_roles()


def offered(endpoint: str) -> dict[str, str]:
    case = CASES[endpoint]
    return {name: str((getattr(strategy, "offered", None) or ("1",))[0]) for name, strategy in case.fields.items()}


@pytest.mark.fuzz
def test_every_form_is_posted_by_every_role_that_may(capsys):
    pairs = sum(len(roles) for roles in PAIRS.values())
    with capsys.disabled():
        print(f"\nfuzz by role: {pairs} (route, role) pairs over {len(PAIRS)} POST routes")
    assert set(PAIRS) <= set(CASES) and pairs >= len(PAIRS)
    assert any(role == "admin" for roles in PAIRS.values() for role, _ in roles)


@pytest.mark.fuzz
@pytest.mark.parametrize("endpoint", sorted(PAIRS))
def test_no_role_that_may_post_a_form_gets_a_server_error(app, endpoint):
    app.config["CLOCK_NOW"] = FROZEN
    base = offered(endpoint)
    for role, template in PAIRS[endpoint]:
        auth = Auth(app.test_client())
        assert auth.login(role).status_code == 302, role
        token = auth.token("/")
        path = resolve(app, template).replace("{param}", "2026-10-01")
        variants = [base] + [{**base, name: junk} for name in base for junk in HOSTILE] if base else \
            [{"junk": junk} for junk in HOSTILE]
        paths = [path]
        if "street=" in path:  # the scope in the query string, made hostile too
            paths += [path.split("?")[0]] + [path.split("?")[0] + "?street=" + junk for junk in ("abc", "", "0")]
        for target in paths:
            for data in variants if target == path else [base]:
                response = auth.client.post(target, data={**data, "csrf_token": token})
                assert response.status_code < 500, (endpoint, role, target, data, response.status_code)
