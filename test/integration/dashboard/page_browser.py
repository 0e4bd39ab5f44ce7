#!/usr/bin/env python3
"""Loads a page in headless Chromium over the DevTools protocol and prints its rendered DOM.

usage: page_browser.py <chromium> <url> <profile dir> <screenshot.png> <ready JS expression>

Why not `chromium --dump-dom`: the host dashboard keeps an SSE stream open, and headless
Chromium's --virtual-time-budget never runs out while a fetch is pending (the run hangs), while
--timeout dumps the DOM before the page's own timers, fetches and events have run. So this
drives Chromium over --remote-debugging-pipe (fd 3 in, fd 4 out, NUL-terminated JSON): open the
URL, poll the ready expression until it is true (generous deadline), set a 1400x1600 viewport,
write a PNG screenshot, print document.documentElement.outerHTML on stdout, close the browser.
Exit 0 on success; 1 with the reason on stderr otherwise. Standard library only.
"""
import base64
import json
import os
import subprocess
import sys
import time

DEADLINE_S = 30


class Browser:
    def __init__(self, chromium, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def child_fds():  # in the child: the pipe ends become fds 3 and 4, kept across exec
            read_end, write_end = os.dup(to_chrome_r), os.dup(from_chrome_w)  # neither is 3 or 4
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--window-size=1400,1600", "--user-data-dir=" + profile,
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=None,
            close_fds=False, preexec_fn=child_fds)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0

    def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self.buf:
                chunk = os.read(self.from_chrome, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe during " + method)
                self.buf += chunk
            raw, self.buf = self.buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(method + ": " + json.dumps(reply["error"]))
                return reply.get("result", {})

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:  # already gone
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main():
    chromium, url, profile, png, ready = sys.argv[1:6]
    browser = Browser(chromium, profile)
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget",
                               {"targetId": target, "flatten": True})["sessionId"]
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": 1400, "height": 1600, "deviceScaleFactor": 1, "mobile": False},
                     session)
        browser.call("Page.navigate", {"url": url}, session)

        def evaluate(expression):
            result = browser.call("Runtime.evaluate",
                                  {"expression": expression, "returnByValue": True}, session)
            return result.get("result", {}).get("value")

        deadline = time.monotonic() + DEADLINE_S
        while not evaluate(ready):
            if time.monotonic() > deadline:
                raise RuntimeError("page not ready after %ds: %s" % (DEADLINE_S, ready))
            time.sleep(0.1)
        shot = browser.call("Page.captureScreenshot", {"format": "png"}, session)
        with open(png, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        sys.stdout.write(evaluate("document.documentElement.outerHTML"))
    except Exception as e:  # the reason goes to the test's log
        sys.stderr.write("page_browser: %s\n" % e)
        return 1
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
