"""axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules on every page, normal and with errors,
for each role: no violations at all."""

import pytest

from tests.browser.helpers import axe_violations
from tests.browser.tours import TOURS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", TOURS)
def test_every_page_passes_axe_for_each_role(role, page, cast):
    violations = []
    for state in TOURS[role](page, cast):
        violations += [f"{state}: {violation}" for violation in axe_violations(page)]
    assert not violations, f"axe found violations for {role}:\n" + "\n".join(violations)
