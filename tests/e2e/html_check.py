# SPDX-License-Identifier: LGPL-2.1-or-later
"""Opens memtrace's HTML view in Debian's chromium, driven by chromedriver
over WebDriver (plain HTTP and JSON: this file is the whole driver), and
checks what a user sees against memtrace's text report.

  html_check.py report PAGE REPORT_TXT SCREENSHOT
      the summary, the kinds and the sites shown are the text report's;
      hovering a malloc arena shows its stack; clicking a marked call shows
      it; nothing was fetched from the network; the console has no error
  html_check.py diff PAGE A_REPORT B_REPORT SCREENSHOT
      both runs drawn, each with its report's figures; the arenas'
      site among the sites that changed, its reserved bytes gone
  html_check.py many PAGE COUNT SCREENSHOT
      COUNT regions drawn as at most 20000 rectangles, and said so
  html_check.py clean PAGE PROCESSES
      the page draws PROCESSES processes (its menu), every timeline
      inside its chart, and nothing fetched nor logged
  html_check.py demo PAGE SCREENSHOT FLAME_SCREENSHOT
      the page, and its flame graph (of committed bytes) alone
      (docs/html.md shows both)

Prints what differs and exits 1; exits 0 when everything holds.
"""
import base64
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
failures = []


def fail(what):
    failures.append(what)
    print("html_check: " + what, file=sys.stderr)


class Browser:
    """A chromium session through chromedriver."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.driver = subprocess.Popen(
            ["chromedriver", "--port=%d" % port],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = "http://127.0.0.1:%d" % port
        deadline = time.time() + 60
        while True:
            try:
                self.call("GET", "/status")
                break
            except (OSError, RuntimeError):
                if time.time() > deadline or self.driver.poll() is not None:
                    raise RuntimeError("chromedriver did not start")
                time.sleep(0.05)
        caps = {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1400,2400",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync"],
            },
            "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"},
        }
        reply = self.call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})
        self.session = "/session/" + reply["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                return json.loads(resp.read().decode())["value"]
        except urllib.error.HTTPError as err:
            raise RuntimeError("%s %s: %s" % (method, path, err.read().decode()[:500])) from None

    def do(self, method, path, body=None):
        return self.call(method, self.session + path, body)

    def js(self, script, *args):
        return self.do("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css):
        return self.do("POST", "/element", {"using": "css selector", "value": css})

    def find_all(self, css):
        return self.do("POST", "/elements", {"using": "css selector", "value": css})

    def hover(self, element):
        self.do("POST", "/actions", {"actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [{"type": "pointerMove", "duration": 0, "origin": element, "x": 0, "y": 0}]}]})

    def click(self, element):
        self.do("POST", "/element/%s/click" % element[ELEMENT], {})

    def log(self, kind):
        return self.do("POST", "/se/log", {"type": kind})

    def open(self, path):
        self.do("POST", "/url", {"url": "file://" + os.path.abspath(path)})
        deadline = time.time() + 60
        while self.js("return document.body && document.body.getAttribute('data-rendered');") != "yes":
            if time.time() > deadline:
                raise RuntimeError("the page did not render in 60 s")
            time.sleep(0.05)

    def screenshot(self, path, element=None):
        where = "/element/%s/screenshot" % element[ELEMENT] if element else "/screenshot"
        png = base64.b64decode(self.do("GET", where))
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as f:
            f.write(png)

    def close(self):
        try:
            self.call("DELETE", self.session)
        finally:
            self.driver.terminate()
            self.driver.wait()


def text_report(path):
    """The figures of a text report: summary, kinds and sites."""
    lines = open(path).read().splitlines()
    rep = {"kinds": {}, "sites": []}
    m = re.search(r"VSZ (\S+ ?\S*B|0) \(peak (\S+ ?\S*B|0)\): (\S+ ?\S*B|0) reserved, (\S+ ?\S*B|0) committed",
                  "\n".join(lines))
    rep["vsz"], rep["vsz_peak"], rep["reserved"], rep["committed"] = m.groups()
    rep["headline"] = lines[0][len("memtrace: "):]
    section = None
    for line in lines:
        if line.startswith("  by kind"):
            section = "kinds"
            continue
        if line.startswith("  by site"):
            section = "sites"
            continue
        if not line.strip():
            section = None
            continue
        cells = re.split(r"  +", line.strip())
        if section == "kinds" and len(cells) >= 5:
            rep["kinds"][cells[0]] = cells[1:5]
        elif section == "sites" and len(cells) >= 5 and cells[0].isdigit():
            rep["sites"].append(cells[:5])
    return rep


def check_run(b, rep, run_index, label):
    """The summary, kinds and sites of run run_index against the text report rep."""
    shown = b.js("""
        const run = document.querySelectorAll('.run')[arguments[0]];
        const cards = {};
        run.querySelectorAll('.card').forEach(c => cards[c.dataset.k] = c.querySelector('.v').textContent);
        const tables = [...run.querySelectorAll('table')].map(t =>
            [...t.querySelectorAll('tbody tr')].map(tr => [...tr.children].map(td => td.textContent)));
        return {cards, headline: run.querySelector('.summary h2').textContent, kinds: tables[0], sites: tables[1]};
    """, run_index)
    for key, card in (("vsz", "VSZ"), ("vsz_peak", "VSZ peak"), ("reserved", "reserved"),
                      ("committed", "committed")):
        if shown["cards"].get(card) != rep[key]:
            fail("%s: %s shows %r, the report %r" % (label, card, shown["cards"].get(card), rep[key]))
    total = rep["kinds"].get("total")
    if not total or not rep["sites"]:
        fail("%s: the text report's total or sites could not be read" % label)
    elif shown["cards"].get("regions") != total[0] or shown["cards"].get("resident") != total[3]:
        fail("%s: regions/resident show %r/%r, the report's total %r/%r" % (
            label, shown["cards"].get("regions"), shown["cards"].get("resident"), total[0], total[3]))
    if shown["headline"] != rep["headline"]:
        fail("%s: headline %r, the report's %r" % (label, shown["headline"], rep["headline"]))
    kinds = {row[0]: row[1:5] for row in shown["kinds"]}
    want = {k: v for k, v in rep["kinds"].items() if k != "total"}
    if kinds != want:
        fail("%s: kinds %r, the report's %r" % (label, kinds, want))
    rows = [[r[0], r[1], r[2], r[3], r[5]] for r in shown["sites"]]
    for site in rep["sites"]:
        if site not in rows:
            fail("%s: the report's site %r is not in the table" % (label, site))
    return shown


def check_clean(b, label):
    """Nothing fetched but the page itself; no error on the console."""
    fetched = b.js("return performance.getEntriesByType('resource').map(e => e.name);")
    if fetched:
        fail("%s: the page fetched %r" % (label, fetched))
    for entry in b.log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            url = msg["params"]["request"]["url"]
            if not url.startswith(("file:", "data:", "about:")):
                fail("%s: a request for %s" % (label, url))
    for entry in b.log("browser"):
        if entry.get("level") in ("SEVERE", "ERROR", "WARNING"):
            fail("%s: console: %s" % (label, entry.get("message")))


def main():
    mode, page = sys.argv[1], sys.argv[2]
    b = Browser()
    try:
        b.open(page)
        if mode == "report":
            rep = text_report(sys.argv[3])
            check_run(b, rep, 0, "report")
            # Hovering an arena shows where it was made.
            b.hover(b.find("rect.region[data-kind='malloc arena']"))
            tip = b.js("const t = document.getElementById('tip'), f = t.querySelector('.frames');"
                       "return [getComputedStyle(t).display, f ? f.textContent.split('\\n') : []];")
            frames = [re.sub(r"\+0x.*", "", line) for line in tip[1]]
            if tip[0] != "block" or not {"alloc_sizes", "worker", "start_thread"} <= set(frames):
                fail("hovering an arena: the tip shows no stack with alloc_sizes, worker, start_thread: %r" % tip)
            # The flame graph of the reserved bytes: the arenas' stack, and the report's total on top.
            b.js("const s = document.querySelector('.flame-metric'); s.value = '1';"
                 "s.dispatchEvent(new Event('change'));")
            names = b.js("return [...document.querySelectorAll('.flamegraph rect')].map(r => r.dataset.name);")
            if "alloc_sizes" not in names or "[malloc arena]" not in names:
                fail("the flame graph of reserved bytes has no [malloc arena] and alloc_sizes: %r" % names[:20])
            b.hover(b.find(".flamegraph rect"))
            top = b.js("return document.getElementById('tip').textContent;")
            if not top.endswith("(100.0%% of %s)" % rep["reserved"]):
                fail("the flame graph's top says %r, not all of the report's %s reserved" % (top, rep["reserved"]))
            # A marked call, clicked, says what it was and its stack: one no other marker hides.
            top = b.js("""
                const marks = [...document.querySelectorAll('circle.big')];
                for (let i = marks.length - 1; i >= 0; i--) {
                    marks[i].scrollIntoView({block: 'center'});
                    const r = marks[i].getBoundingClientRect();
                    if (document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === marks[i])
                        return i;
                }
                return -1;""")
            if top < 0:
                fail("every marked call is hidden under another")
            else:
                b.click(b.find_all("circle.big")[top])
            info = b.js("return document.getElementById('callinfo').textContent;")
            if not re.search(r"#\d+ at [0-9.]+ s: (mmap|munmap|mprotect|brk|madvise|mremap)\(", info):
                fail("clicking a marked call: %r" % info[:300])
            b.screenshot(sys.argv[4])
        elif mode == "diff":
            for i, path in enumerate(sys.argv[3:5]):
                check_run(b, text_report(path), i, "run %d" % (i + 1))
            changed = b.js("""return [...document.querySelectorAll('.changes')[1].querySelectorAll('tbody tr')]
                .map(tr => [...tr.children].map(td => td.textContent));""")
            arenas = [r for r in changed if r[4] == "malloc < alloc_sizes < worker < start_thread"]
            if not arenas or not arenas[0][0].startswith("-"):
                fail("diff: the arenas' site is not among the sites that changed, reserved down: %r" % changed)
            b.screenshot(sys.argv[5])
        elif mode == "clean":
            want = int(sys.argv[3])
            procs = b.js("const m = document.querySelector('.proc-select');"
                         "return m ? m.options.length : document.querySelectorAll('.summary').length;")
            if procs != want:
                fail("clean: %d processes drawn, want %d" % (procs, want))
            # Every point of every series inside the chart's 900 x 220, in the order of time.
            outside = b.js("""
                const bad = [];
                document.querySelectorAll('svg.timeline path.series').forEach(p => {
                    let x = -1;
                    for (const m of p.getAttribute('d').matchAll(/[MLH](-?[0-9.e+]+)(?:,(-?[0-9.e+]+))?/g)) {
                        if (+m[1] < 0 || +m[1] > 900 || (m[2] !== undefined && (+m[2] < 0 || +m[2] > 220)) || +m[1] < x)
                            bad.push(m[0]);
                        x = +m[1];
                    }
                });
                return bad.slice(0, 5);""")
            if outside:
                fail("clean: timeline points outside the chart or back in time: %r" % outside)
        elif mode == "demo":
            b.screenshot(sys.argv[3])
            b.screenshot(sys.argv[4], b.find("section.flamesection"))
        elif mode == "many":
            count = int(sys.argv[3])
            drawn = b.js("return [document.querySelectorAll('rect.region').length,"
                         " [...document.querySelectorAll('h2')].map(h => h.textContent).join('|')];")
            if not 0 < drawn[0] <= 20000:
                fail("many: %d rectangles for %d regions" % (drawn[0], count))
            if "(%d regions, neighbours drawn as one: %d drawn)" % (count, drawn[0]) not in drawn[1]:
                fail("many: the page does not say %d regions were drawn as fewer: %r" % (count, drawn[1]))
            b.screenshot(sys.argv[4])
        check_clean(b, mode)
    finally:
        b.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
