#!/usr/bin/python3
"""Drives Debian's headless Chromium over the DevTools protocol against a running
`breachmail serve`, as a person would use the dashboard, and checks what the page shows.

Usage: BM_DPO_SECRET=… BM_AUDITOR_SECRET=… dashboard_browser.py URL INCIDENT ADDRESS SCREENSHOT_DIR [campaign]
(with `campaign`: confirm the assessment, start the campaign, watch it run; BM_AUDITOR_SECRET unused)

Prints one line per check ("ok: ..." or "FAILED: ...") and exits 1 when any failed.
Needs Debian's `chromium` and `python3-websocket` (.ci/packages-browser.txt). Loopback only;
every wait is bounded; the browser it starts is stopped by its own process id.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import websocket

URL, INCIDENT, ADDRESS, SHOTS = sys.argv[1:5]
DPO, AUDITOR = os.environ["BM_DPO_SECRET"], os.environ.get("BM_AUDITOR_SECRET", "")
failures = []


def check(condition, what):
    print(("ok: " if condition else "FAILED: ") + what, flush=True)
    if not condition:
        failures.append(what)


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="bm-chromium-")
        self.process = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking", "--disable-sync", "--remote-debugging-address=127.0.0.1",
             "--remote-debugging-port=0", "--user-data-dir=" + self.profile, "--window-size=1280,1600", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 60
        while not os.path.exists(port_file) or len(open(port_file).read().split("\n")) < 2:
            if time.time() > deadline or self.process.poll() is not None:
                raise RuntimeError("chromium did not start (no DevToolsActivePort)")
            time.sleep(0.1)
        port, path = open(port_file).read().split("\n")[:2]
        self.ws = websocket.create_connection("ws://127.0.0.1:%s%s" % (port, path), timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []
        self.session = None

    def send(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.time() + timeout
        while time.time() < deadline:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self.events.append(reply)
        raise RuntimeError(method + ": no answer")

    def pump(self, seconds):
        """Reads events for `seconds`."""
        self.ws.settimeout(0.2)
        end = time.time() + seconds
        while time.time() < end:
            try:
                self.events.append(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                pass
        self.ws.settimeout(30)

    def open_page(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        for domain in ["Page", "Runtime", "Log", "Network"]:
            self.send(domain + ".enable")

    def wait_load(self, since, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if any(e.get("method") == "Page.loadEventFired" for e in self.events[since:]):
                return
            self.pump(0.2)
        raise RuntimeError("the page did not load")

    def navigate(self, url):
        mark = len(self.events)
        self.send("Page.navigate", {"url": url})
        self.wait_load(mark)

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError("script failed: %s" % result["exceptionDetails"].get("text"))
        return result["result"].get("value")

    def submit(self, expression):
        """Runs `expression`, which submits a form or follows a link, and waits for the next page."""
        mark = len(self.events)
        self.evaluate(expression)
        self.wait_load(mark)

    def screenshot(self, name):
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        with open(os.path.join(SHOTS, name), "wb") as f:
            f.write(base64.b64decode(data))

    def messages(self, since=0):
        """Console messages, log entries and exceptions, as text."""
        out = []
        for e in self.events[since:]:
            m, p = e.get("method"), e.get("params", {})
            if m == "Log.entryAdded":
                out.append(p["entry"].get("text", ""))
            elif m == "Runtime.consoleAPICalled":
                out.append(" ".join(str(a.get("value", "")) for a in p.get("args", [])))
            elif m == "Runtime.exceptionThrown":
                out.append(p["exceptionDetails"].get("text", ""))
        return out

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


# Accessibility basics, measured in the page as the browser laid it out (WCAG 2.1 AA):
# every form control has a label; one h1 and no heading level skipped; text contrast at least
# 4.5:1 (3:1 for large text) against the background it is drawn on; a language on <html>;
# every chart (svg) an image with a title. Returns a list of problems, each naming the element.
A11Y = r"""
(() => {
  const problems = [];
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '');
  if (!document.documentElement.lang) problems.push('html has no lang');
  for (const c of document.querySelectorAll('input, select, textarea')) {
    if (['hidden', 'submit', 'button'].includes(c.type)) continue;
    const labelled = (c.id && document.querySelector('label[for="' + c.id + '"]')) || c.closest('label')
      || c.getAttribute('aria-label') || c.getAttribute('aria-labelledby');
    if (!labelled) problems.push(name(c) + ' has no label');
  }
  for (const b of document.querySelectorAll('button')) if (!b.textContent.trim() && !b.getAttribute('aria-label')) problems.push(name(b) + ' has no text');
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => +h.tagName[1]);
  if (headings.filter(l => l === 1).length !== 1) problems.push(headings.filter(l => l === 1).length + ' h1 (one expected)');
  headings.forEach((l, i) => { if (i > 0 && l > headings[i - 1] + 1) problems.push('heading h' + l + ' after h' + headings[i - 1]); });
  for (const svg of document.querySelectorAll('svg')) {
    if (svg.getAttribute('role') !== 'img' || !svg.querySelector('title')) problems.push(name(svg) + ' is not an image with a title');
  }
  const rgb = text => { const m = text.match(/[\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; };
  const luminance = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = e => {
    for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length < 4 || c[3] > 0) return c; }
    return [255, 255, 255];
  };
  let measured = 0;
  for (const e of document.body.querySelectorAll('*')) {
    if (e.closest('svg')) continue;
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(e);
    if (!own || style.visibility === 'hidden' || style.display === 'none' || !e.getClientRects().length) continue;
    const fg = rgb(style.color), bg = background(e);
    const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize), bold = +style.fontWeight >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    measured += 1;
    if (ratio < needed) problems.push(name(e) + ' contrast ' + ratio.toFixed(2) + ':1 (' + needed + ' needed)');
  }
  if (measured === 0) problems.push('no text measured');
  return problems;
})()
"""


def accessible(b, page):
    problems = b.evaluate(A11Y)
    check(problems == [], "the %s page passes the accessibility checks (labels, headings, contrast, lang, charts) %s" % (page, problems))


# The page as served (not as the script changed it), parsed by html5lib: any
# parse error of the HTML standard (unclosed or misnested element, stray end tag, bad attribute,
# duplicate attribute, missing doctype) is a failure.
def valid_html(b, page):
    import html5lib
    source = b.evaluate("fetch(location.href, {credentials: 'same-origin'}).then(r => r.text())")
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    parser.parse(source)
    error = None
    if parser.errors:
        (line, column), code, values = parser.errors[0]
        text = source.split("\n")[line - 1].strip()[:120] if 0 < line <= source.count("\n") + 1 else ""
        error = "line %d, column %d: %s %s: %s" % (line, column, code, values or "", text)
    check(error is None and source.startswith("<!DOCTYPE html>"), "the %s page is well-formed HTML (%s)" % (page, error))


def csp_violations(messages):
    return [m for m in messages if "Content Security Policy" in m or "Refused to" in m]


def sign_in(b, secret):
    b.navigate(URL + "/ui/sign-in?lang=en")
    b.submit("document.getElementById('token').value = %s; document.querySelector('form[action=\"/ui/sign-in\"]').submit()" % json.dumps(secret))


def main():
    os.makedirs(SHOTS, exist_ok=True)
    b = Browser()
    try:
        b.open_page()
        start = len(b.events)
        sign_in(b, DPO)
        check(b.evaluate("location.pathname") == "/ui/incidents", "signing in with the DPO's token leads to the incidents")
        text = b.evaluate("document.body.innerText")
        check(INCIDENT in text, "the incidents page lists " + INCIDENT)
        check(b.evaluate("document.querySelectorAll('li.clock[data-state=running]').length") >= 1 and " left (until " in text,
              "the incidents page shows each authority's running 72-hour clock")
        check(b.evaluate("getComputedStyle(document.querySelector('header.top')).borderBottomStyle") == "solid",
              "the stylesheet served by breachmail applies under the CSP")
        documents = [e["params"]["response"] for e in b.events if e.get("method") == "Network.responseReceived"
                     and e["params"].get("type") == "Document"]
        csp = [r["headers"].get("content-security-policy") or r["headers"].get("Content-Security-Policy") for r in documents]
        check(bool(csp) and all(c and "script-src 'self'" in c and "default-src 'none'" in c for c in csp),
              "every page came with the Content-Security-Policy header")
        cookies = b.send("Network.getCookies", {"urls": [URL + "/ui/incidents"]})["cookies"]
        session = [c for c in cookies if c["name"] == "bm_session"]
        check(len(session) == 1 and session[0]["httpOnly"] and session[0]["sameSite"] == "Strict" and session[0]["path"] == "/ui",
              "the session cookie is HttpOnly, SameSite=Strict, Path=/ui")
        check("bm_session" not in b.evaluate("document.cookie"), "the page's script cannot read the session cookie")
        b.screenshot("incidents.png")
        accessible(b, "incidents")
        valid_html(b, "incidents")

        b.submit("document.querySelector('a[href=\"/ui/incidents/%s\"]').click()" % INCIDENT)
        check(b.evaluate("location.pathname") == "/ui/incidents/" + INCIDENT, "the incident opens from the list")
        check(b.evaluate("['timeline', 'states', 'reach'].every(id => document.querySelector('svg#' + id))"),
              "the incident shows the timeline, the states bar and reach over time as SVG")
        check(b.evaluate("document.querySelector('svg#timeline title').textContent") == "Timeline", "the timeline has its title")
        # The script (served by breachmail) follows the campaign's events: idle, with the counts, here.
        end = time.time() + 10
        state = None
        while time.time() < end and not state:
            state = b.evaluate("document.getElementById('live') && document.getElementById('live').dataset.state")
            b.pump(0.2)
        check(state == "idle", "the page's script received the campaign's server-sent events (state %s)" % state)
        b.screenshot("incident.png")
        accessible(b, "incident")
        valid_html(b, "incident")

        seen = b.messages(start)
        check(csp_violations(seen) == [], "no CSP violation in the console while signing in and reading (%s)" % csp_violations(seen))

        # A form without the CSRF token is refused, and so is a token of another session.
        status = b.evaluate("fetch('/ui/incidents/%s/campaign/pause', {method: 'POST', headers: {'Content-Type': "
                            "'application/x-www-form-urlencoded'}, body: ''}).then(r => r.status)" % INCIDENT)
        check(status == 403, "a form posted without the CSRF token is refused (%s)" % status)

        # A person looked up by address: the address travels in the body, never in a URL.
        b.submit("document.getElementById('person-email').value = %s; document.querySelector('form[action$=\"/people\"]').submit()"
                 % json.dumps(ADDRESS))
        check("was I told?" in b.evaluate("document.body.innerText"), "the person's page answers")
        b.screenshot("person.png")
        accessible(b, "person")
        urls = [e["params"]["request"]["url"] for e in b.events if e.get("method") == "Network.requestWillBeSent"]
        check(not any(ADDRESS.lower() in u.lower() or "%40" in u or "@" in u for u in urls),
              "no address in any URL the browser requested (%d URLs)" % len(urls))

        # The detector itself: an inline script is refused by the CSP and reported in the console.
        mark = len(b.events)
        b.evaluate("var s = document.createElement('script'); s.textContent = 'window.inlineRan = true'; document.body.appendChild(s); true")
        b.pump(1)
        check(b.evaluate("window.inlineRan === undefined") and csp_violations(b.messages(mark)) != [],
              "an inline script is blocked by the CSP and the violation is seen in the console")

        # Sign out; the auditor then sees no action and its POST is refused.
        b.submit("document.querySelector('form[action=\"/ui/sign-out\"]').submit()")
        check(b.evaluate("location.pathname") == "/ui/sign-in", "signing out returns to the sign-in page")
        accessible(b, "sign-in")
        valid_html(b, "sign-in")
        sign_in(b, AUDITOR)
        b.navigate(URL + "/ui/incidents/" + INCIDENT)
        check(b.evaluate("document.querySelectorAll('form[action^=\"/ui/incidents/\"]:not([action$=\"/people\"])').length") == 0,
              "the auditor's incident page has no action form")
        status = b.evaluate("fetch('/ui/incidents/%s/campaign/start', {method: 'POST', headers: {'Content-Type': "
                            "'application/x-www-form-urlencoded'}, body: 'csrf=' + encodeURIComponent("
                            "document.querySelector('input[name=csrf]').value)}).then(r => r.status)" % INCIDENT)
        check(status == 403, "the auditor's POST with its own valid CSRF token is refused (%s)" % status)
        b.screenshot("incident-auditor.png")
    finally:
        b.close()
    print("browser checks: %d failed" % len(failures))
    return 1 if failures else 0


def campaign():
    """The DPO overrides, then confirms the recommendation, starts the campaign after its confirmation page, and
    watches the counts change while it runs against the test SMTP server, until it finishes."""
    os.makedirs(SHOTS, exist_ok=True)
    b = Browser()
    try:
        b.open_page()
        sign_in(b, DPO)
        b.navigate(URL + "/ui/incidents/" + INCIDENT)
        # The DPO overrides the decision with a written reason, then comes back to the recommendation.
        b.submit("document.getElementById('ov-subjects').value = 'no'; document.getElementById('ov-reason').value = "
                 "'Addresses only, already public.'; document.getElementById('ov-reason').form.submit()")
        check("overridden by the DPO" in b.evaluate("document.body.innerText"), "the DPO's override is shown with its reason")
        # Starting now would go against the decision: the confirmation page says so, and nothing starts.
        b.submit("document.querySelector('form[action$=\"/campaign/start\"]').submit()")
        check(b.evaluate("document.querySelector('[data-against-decision]') !== null"),
              "the campaign's confirmation warns that the decision in force is not to tell the people")
        b.navigate(URL + "/ui/incidents/" + INCIDENT)
        b.submit("document.querySelector('form[action$=\"/assessment\"] input[value=confirm]').form.submit()")
        check("confirmed by the DPO" in b.evaluate("document.body.innerText"), "the DPO confirmed the recommendation in the browser")

        b.submit("document.querySelector('form[action$=\"/campaign/start\"]').submit()")
        check(b.evaluate("document.querySelector('[data-against-decision]') === null"),
              "once the recommendation is confirmed again, no warning")
        check(b.evaluate("location.pathname") == "/ui/incidents/%s/campaign/start" % INCIDENT
              and b.evaluate("document.querySelector('[data-total]').textContent.trim()") not in ("", "0"),
              "starting the campaign first shows how many people it will mail (%s)" % b.evaluate("document.querySelector('[data-total]') && document.querySelector('[data-total]').textContent"))
        accessible(b, "campaign confirmation")
        b.screenshot("confirm-campaign.png")

        b.submit("document.querySelector('form input[name=confirm][value=yes]').form.submit()")
        check(b.evaluate("location.pathname") == "/ui/incidents/" + INCIDENT, "confirming starts it and returns to the incident")
        # The page's script follows the campaign's events: running, the submitted count growing, finished.
        seen, states, end = [], set(), time.time() + 90
        while time.time() < end:
            state = b.evaluate("document.getElementById('live').dataset.state || ''")
            text = b.evaluate("document.querySelector('[data-live-status]').textContent")
            states.add(state)
            if text.startswith("submitted ") and (not seen or seen[-1] != text):
                seen.append(text)
            if state == "finished":
                break
            b.pump(0.1)
        counts = [int(t.split()[1]) for t in seen]
        print("CAMPAIGN_WATCHED %.1f s, %d counts" % (90 - (end - time.time()), len(counts)))
        check("running" in states and len(counts) >= 2 and counts == sorted(counts) and counts[-1] > counts[0],
              "the page showed the campaign running, its submitted count growing (%s)" % counts[:8])
        check("finished" in states, "the page showed the campaign finished (states seen: %s)" % sorted(states))
        submitted = b.evaluate("document.querySelector('[data-count=submitted]') && document.querySelector('[data-count=submitted]').textContent")
        check(submitted is not None and submitted.strip().isdigit() and int(submitted) > 0,
              "the final counts came with the finished event (submitted %s)" % submitted)
        b.screenshot("campaign-finished.png")
        print("SUBMITTED_SHOWN %s" % (submitted or "").strip())
    finally:
        b.close()
    print("browser checks: %d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(campaign() if sys.argv[5:6] == ["campaign"] else main())
