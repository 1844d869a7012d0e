"""Every form of the portal, fuzzed: hostile values never give a server error, never
write half a record, and always get an answer in Chinese (tests/fuzz/harness.py)."""
import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import make_app
from tests.fuzz.cases import CASES
from tests.fuzz.harness import Fuzzer
from tests.fuzz.values import junk_fields
from tests.test_policy import FROZEN

# Per route and database; each example is a whole request plus two table snapshots.
# `make test` replays the same examples every run (a red build is never a lucky draw);
# FUZZ_EXAMPLES=… (make fuzz) draws new ones each time.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
FIXED = "FUZZ_EXAMPLES" not in os.environ
CSRF = st.sampled_from(["valid"] * 7 + ["missing", "garbage", "altered"])


def post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}


@pytest.mark.fuzz
def test_every_post_route_has_a_fuzz_case():
    """A new form must come with a fuzz case in tests/fuzz/cases.py."""
    app = make_app("sqlite://")  # the URL map only; no database is opened
    assert post_endpoints(app) - set(CASES) == set(), "POST routes without a fuzz case"
    assert set(CASES) - post_endpoints(app) == set(), "fuzz cases for routes that no longer exist"


@pytest.mark.fuzz
@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_a_form_survives_hostile_input(app, endpoint):
    app.config["CLOCK_NOW"] = FROZEN
    case = CASES[endpoint]
    fuzzer = Fuzzer(app, case)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A sweep first: the offered values with one field at a time carrying a NUL, which
        # PostgreSQL refuses in text (random examples rarely put it in the one field that matters).
        offered = {name: (getattr(s, "offered", None) or ("1",))[0] for name, s in case.fields.items()}
        param = "2026-10-01" if case.path_param is not None else None
        for name in case.fields:
            fuzzer.check({**offered, name: "a\x00b"}, {}, {}, "valid", False, param)
        if param:
            fuzzer.check(offered, {}, {}, "valid", False, param + "\x00")

    # No shrinking: one shrink of a whole-app example can take minutes; the failing
    # example is printed as generated.
    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              derandomize=FIXED,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(form=st.fixed_dictionaries(case.fields), files=st.fixed_dictionaries(case.files), extra=junk_fields(),
           csrf=CSRF, htmx=st.booleans() if case.htmx else st.just(False),
           param=case.path_param if case.path_param is not None else st.none())
    def example(form, files, extra, csrf, htmx, param):
        fuzzer.check(form, files, extra, csrf, htmx, param)

    example()
