"""What the browser tests check on a page: axe-core, sideways scrolling, visible focus; and
signing a persona in through the real form."""

import re

from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page

from tests.builders import PASSWORD

# axe-core's tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA (WCAG 2.2 level A has no new
# rules in axe 4.12 yet; the tag is listed so they run when it ships some).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

_axe = Axe()  # reads the axe-core script bundled in the wheel: no network


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real sign-in form, as a person would."""
    page.goto(reverse("assessments:sign_in"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if page.url.split("?")[0].endswith(reverse("assessments:two_factor_verify")):
        # Someone with an authenticator app (the admins): the code their app shows now.
        page.get_by_label("Code", exact=True).fill(current_code(email))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("button", name="Sign out").count() == 1, (
        f"{email} could not sign in; the browser is on {page.url}"
    )


def current_code(email: str) -> str:
    """The code the person's authenticator app shows now, worked out from its secret as the app
    does. The device forgets the codes it took already, so one test may sign in many times."""
    device = TOTPDevice.objects.get(user__email=email, confirmed=True)
    device.last_t = -1
    device.throttle_reset()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG A and AA rules on the page as it is now: one line per violation, with
    the rule's id, what it asks for and the elements that break it.

    Needs JavaScript in the page: in a context with JavaScript turned off axe.run() never
    settles, so the no-JavaScript journey is checked by walking it, not by axe."""
    # Only violations are read: asking for nothing else spares axe building the passes list.
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    return [
        f"{page.url}: {violation['id']} ({violation['help']}) at "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in results.response["violations"]
    ]


def axe_check(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, "axe found accessibility violations:\n" + "\n".join(violations)


def horizontal_overflow(page: Page) -> int:
    """How many pixels wider than the window the page is (0 when nothing scrolls sideways)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def elements_past_the_right_edge(page: Page, limit: int = 3) -> list[str]:
    """The innermost elements that reach past the window's right edge, or whose own content
    (a long word, an email address) spills out of them: where to look first."""
    return page.evaluate(
        """limit => {
          const width = document.documentElement.clientWidth;
          const spills = el => el.getBoundingClientRect().right > width + 0.5 ||
            (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 &&
             getComputedStyle(el).overflowX === 'visible');
          const all = [...document.body.querySelectorAll('*')].filter(spills);
          const innermost = all.filter(el => !all.some(other => other !== el && el.contains(other)));
          return innermost.slice(0, limit).map(el => {
            const text = (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
            return el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + ' "' + text + '"';
          });
        }""",
        limit,
    )


# GOV.UK Frontend draws focus in three ways: a yellow outline (text inputs, the skip link), a
# box shadow (links, buttons), and for radios and checkboxes, whose input is invisible, a ring
# on the label's ::before. A transparent outline does not count: it shows only in forced-colours
# mode.
_FOCUS_DRAWN_JS = """
el => {
  const outline = s => s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 &&
    !['transparent', 'rgba(0, 0, 0, 0)'].includes(s.outlineColor);
  const shadow = s => Boolean(s.boxShadow) && s.boxShadow !== 'none';
  const own = getComputedStyle(el);
  if (outline(own) || shadow(own)) return true;
  if (el.matches('.govuk-radios__input, .govuk-checkboxes__input') && el.labels.length) {
    const before = getComputedStyle(el.labels[0], '::before');
    return outline(before) || shadow(before);
  }
  return false;
}
"""

_DESCRIBE_JS = """
el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
  (el.getAttribute('name') ? '[name=' + el.getAttribute('name') + ']' : '') +
  ' "' + (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 50) + '"'
"""

# Marks each element the first time it takes focus, so the walk knows when Tab has wrapped round.
_SEEN_BEFORE_JS = """
el => {
  if (el === document.body || el.hasAttribute('data-focus-walked')) return true;
  el.setAttribute('data-focus-walked', '');
  return false;
}
"""


def elements_without_visible_focus(page: Page, limit: int = 200) -> list[str]:
    """Tab through the page from the top and list every element whose focus is not drawn.
    Stops when focus leaves the page or comes back to an element it has already been on.
    Each Tab is one key press and one look at the focused element, in a single round trip."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    missing: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        verdict = page.evaluate(_CHECK_FOCUS_JS)
        if verdict is None:
            return missing
        if verdict:
            missing.append(f"{page.url}: {verdict}")
    missing.append(f"{page.url}: more than {limit} tab stops; gave up")
    return missing


# After a Tab: None when the walk is over (focus left the page or came back round), "" when the
# focused element draws its focus, otherwise a description of the element that does not.
_CHECK_FOCUS_JS = f"""
() => {{
  const el = document.activeElement;
  if (!el || ({_SEEN_BEFORE_JS})(el)) return null;
  return ({_FOCUS_DRAWN_JS})(el) ? '' : ({_DESCRIBE_JS})(el);
}}
"""


def focused_is(page: Page, locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page: Page, locator, limit: int = 200) -> None:
    """Press Tab until `locator` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_is(page, locator):
            return
    raise AssertionError(f"Tab never reached {locator} on {page.url}")


def heading(page: Page) -> str:
    return re.sub(r"\s+", " ", page.locator("h1").first.inner_text()).strip()
