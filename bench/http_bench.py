#!/usr/bin/env python3
"""The web tier's benchmark (issue 12): wrk against the pages and API reads a client uses most,
beside a static asset as the framework's own ceiling, in one run on one server.

    swift build -c release --product billing
    .build/release/billing demo --scale 100000        # with DATABASE_URL=sqlite:///tmp/scale.sqlite
    python3 bench/http_bench.py --database sqlite:///tmp/scale.sqlite

It starts `billing serve` from the release build on the given database (jobs off, demo data off),
measures the start-up (spawn to /health 200), logs in as the demo client through the login form
and through the API, checks that every target answers 200 as that client (a redirect to the login
page would measure the wrong thing), then drives each target with wrk for a fixed time and prints
requests/s, p50 and p99 per target, each page's share of the static asset's rate, and the server's
peak RSS. `--json` prints the same as one JSON object. wrk is installed with apt if missing.
"""
import argparse
import html.parser
import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

CLIENT_EMAIL = "client@demo.example"
CLIENT_PASSWORD = "demo-client-2026"

PAGES = [
    ("static asset", None, None),  # the fingerprinted stylesheet the pages link to
    ("dashboard", "/dashboard", "cookie"),
    ("services", "/services", "cookie"),
    ("expenses", "/finance/expenses", "cookie"),
    ("payments", "/payments", "cookie"),
    ("API me", "/api/v1/me", "token"),
    ("API ledger", "/api/v1/ledger", "token"),
]


class HiddenInputs(html.parser.HTMLParser):
    """The hidden fields of the first form with a password field (the login form)."""

    def __init__(self):
        super().__init__()
        self.fields, self.in_form, self.done = {}, False, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done:
            self.in_form, self.fields = True, {}
        if tag == "input" and self.in_form and attrs.get("type") == "hidden" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value", "")
        if tag == "input" and self.in_form and attrs.get("type") == "password":
            self.done = True

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False


def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("wrk is missing; installing it with apt", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)


def start_server(binary, database, port):
    env = dict(os.environ, DATABASE_URL=database, BILLING_PORT=str(port), BILLING_JOBS="off", BILLING_DEMO="false",
               BILLING_ENV="development")
    started = time.monotonic()
    proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = started + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
                if response.status == 200:
                    return proc, time.monotonic() - started
        except OSError:
            pass
        if proc.poll() is not None:
            sys.exit(f"billing serve exited with {proc.returncode}")
        time.sleep(0.02)
    proc.kill()
    sys.exit("billing serve did not answer /health within 120 s")


def login(base, email, password):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/login") as response:
        form = HiddenInputs()
        form.feed(response.read().decode())
    fields = dict(form.fields, email=email, password=password)
    opener.open(urllib.request.Request(base + "/login", data=urllib.parse.urlencode(fields).encode()))
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    request = urllib.request.Request(
        base + "/api/v1/auth/tokens", data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        token = json.loads(response.read())["token"]
    return cookie, token


def header_for(kind, cookie, token):
    if kind == "cookie":
        return f"Cookie: {cookie}"
    if kind == "token":
        return f"Authorization: Bearer {token}"
    return None


def check(base, path, header):
    """The target answers 200 for this client (not a redirect to the login page)."""
    request = urllib.request.Request(base + path)
    if header:
        name, value = header.split(": ", 1)
        request.add_header(name, value)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect()).open(request) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def to_ms(text):
    value, unit = float(re.match(r"[\d.]+", text).group()), re.sub(r"[\d.]+", "", text)
    return value * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def run_wrk(url, header, connections, threads, seconds):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if header:
        command[1:1] = ["-H", header]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"requests_per_second": rate, "p50_ms": p50, "p99_ms": p99,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0, "socket_errors": errors.group(0) if errors else ""}


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/billing")
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", "sqlite://billing.sqlite"))
    parser.add_argument("--port", type=int, default=18200)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--email", default=CLIENT_EMAIL, help="the client to log in as (client1@scale.example …)")
    parser.add_argument("--password", default=CLIENT_PASSWORD)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    ensure_wrk()
    proc, startup = start_server(args.binary, args.database, args.port)
    base = f"http://127.0.0.1:{args.port}"
    results = {"database": args.database, "client": args.email, "connections": args.connections, "seconds": args.seconds,
               "startup_seconds": round(startup, 3), "targets": []}
    try:
        cookie, token = login(base, args.email, args.password)
        with urllib.request.urlopen(base + "/login") as response:
            stylesheet = re.search(r'href="(/assets/[^"]+\.css)"', response.read().decode()).group(1)
        targets = [(name, path or stylesheet, kind) for name, path, kind in PAGES]
        for name, path, kind in targets:
            status = check(base, path, header_for(kind, cookie, token))
            if status != 200:
                sys.exit(f"{name} ({path}) answered {status} for {args.email}; nothing measured")
        for name, path, kind in targets:
            figures = run_wrk(base + path, header_for(kind, cookie, token), args.connections, args.threads, args.seconds)
            results["targets"].append(dict(figures, name=name, path=path))
        results["peak_rss_mib"] = round(peak_rss_mib(proc.pid), 1)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)

    static = results["targets"][0]
    for target in results["targets"]:
        target["share_of_static"] = round(target["requests_per_second"] / static["requests_per_second"], 3)
        target["p99_vs_static"] = round(target["p99_ms"] / static["p99_ms"], 2)
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(f"billing serve ready in {startup:.2f} s; logged in as {args.email}; {args.connections} connections, "
          f"{args.seconds} s per target")
    print("| target | path | requests/s | share of static | p50 ms | p99 ms | p99 / static p99 | non-2xx |")
    print("|---|---|---|---|---|---|---|---|")
    for t in results["targets"]:
        print(f"| {t['name']} | `{t['path']}` | {t['requests_per_second']:.0f} | {t['share_of_static'] * 100:.0f} % "
              f"| {t['p50_ms']:.1f} | {t['p99_ms']:.1f} | {t['p99_vs_static']:.1f} | {t['non_2xx']} |")
    print(f"server peak RSS: {results['peak_rss_mib']} MiB")


if __name__ == "__main__":
    main()
