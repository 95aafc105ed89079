"""``bastion demo`` prints the console's URL and a login made for the run, and that login works."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx

from tests.console.test_console_http import csrf_of

LINE = re.compile(r"^console: (http://127\.0\.0\.1:\d+/console/) user (\S+) password (\S+)$")


def cookies_of(r: httpx.Response) -> dict[str, str]:
    """The cookies a response sets. The demo's cookies are ``Secure``: a browser sends them to
    127.0.0.1 over plain HTTP, httpx's jar does not, so this test carries them itself."""
    out = {}
    for k, v in r.headers.multi_items():
        if k == "set-cookie":
            name, _, rest = v.partition("=")
            out[name] = rest.split(";", 1)[0]
    return out


def header(cookies: dict[str, str]) -> dict[str, str]:
    return {"cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def test_demo_prints_a_console_login_that_works() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "bastion.cli", "demo", "--stay"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    try:
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if found := LINE.match(line.strip()):
                break
        else:
            raise AssertionError("no console line in the demo output:\n" + "".join(seen))
        url, name, password = found.groups()
        assert name == "demo-officer" and len(password) >= 20
        form = httpx.get(url + "login", timeout=10)
        jar = cookies_of(form)
        r = httpx.post(url + "login", headers=header(jar), timeout=30,
                       data={"csrf": csrf_of(form.text), "name": name, "password": password})
        assert r.status_code == 303, r.text
        session = cookies_of(r)
        assert "__Host-bastion-console" in session
        page = httpx.get(url + "screening", headers=header(session), timeout=10)
        assert page.status_code == 200 and "Screening review queue" in page.text
        # A wrong password for the same person is refused: the printed one is what signs in.
        form = httpx.get(url + "login", timeout=10)
        r = httpx.post(url + "login", headers=header(cookies_of(form)), timeout=30,
                       data={"csrf": csrf_of(form.text), "name": name, "password": password + "x"})
        assert r.status_code == 401
    finally:
        proc.stdin.close()  # end of input: the demo shuts the gateway down and verifies the audit log
        rest = proc.stdout.read()
        assert proc.wait(timeout=120) == 0, rest
    assert "audit log" in rest and "OK" in rest
