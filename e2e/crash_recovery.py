#!/usr/bin/env python3
"""kill -9 of `billing serve` after a payment's commit and before the module's call.

Starts the real server on a fresh SQLite file with its job worker off (BILLING_JOBS=off: the
payment commits, nobody runs its "open" job, exactly what a crash right after the commit
leaves), orders and pays a VPS from the balance in headless Chromium, checks the database holds
the paid service in Processing with its queued job, kills the server with SIGKILL, starts it
again with the worker on, and checks that the service opens exactly once: Active, one
"opened" line in its history, the job done after one attempt, one charge, the balance right.

Usage: python3 e2e/crash_recovery.py path/to/billing
"""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

from playwright.sync_api import expect, sync_playwright

from journey import free_port


def start(binary: str, workdir: str, port: int, jobs: bool):
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update({"BILLING_PORT": str(port), "BILLING_BCRYPT_COST": "10", "BILLING_JOBS": "on" if jobs else "off"})
    log = open(os.path.join(workdir, f"server-{'jobs' if jobs else 'nojobs'}.log"), "w")
    proc = subprocess.Popen([binary, "serve"], cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).status == 200:
                break
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("server exited early")
            time.sleep(0.3)
    else:
        proc.kill()
        raise SystemExit("server did not become healthy")
    return proc


def query(db: str, sql: str, *args):
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, args).fetchall()


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit("FAILED: " + what)
    print("ok:", what)


def main() -> None:
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/billing")
    workdir = tempfile.mkdtemp(prefix="billing-crash-")
    db = os.path.join(workdir, "billing.sqlite")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first = start(binary, workdir, port, jobs=False)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="en-US")
            page.goto(f"{base}/login")
            page.fill("#f-email", "client@demo.example")
            page.fill("#f-password", "demo-client-2026")
            page.click("button[type=submit].btn-primary")
            expect(page).to_have_url(re.compile(r"/dashboard"))
            page.goto(f"{base}/order?type=vps")
            page.locator("[data-testid=plan-card]", has_text="VPS Fast").locator("a.btn").click()
            page.fill("#f-domain", "crash-web")
            page.click("button[value=pay]")
            # The demo seeded a VPS Fast minutes ago: the client confirms buying another.
            page.click("[data-testid=repeat-confirm] button[type=submit]")
            expect(page).to_have_url(re.compile(r"/services\?type=vps"))
            row = page.locator("[data-testid=service-list] tbody tr", has_text="crash-web")
            expect(row.locator("[data-testid=service-status]")).to_have_text("Processing")
            browser.close()
    except BaseException:
        first.kill()
        raise

    (service_id, status, operation), = query(db, "SELECT id, status, operation FROM services WHERE domain_name = 'crash-web'")
    check((status, operation) == ("processing", "opening"), "the payment committed the service in Processing (opening)")
    jobs = query(db, "SELECT kind, status, attempts FROM jobs WHERE service_id = ?", service_id)
    check(jobs == [("service.open", "queued", 0)], f"its open job is queued with it: {jobs}")
    charges = query(db, "SELECT amount FROM expenses WHERE service_id = ?", service_id)
    check(len(charges) == 1, "the order was charged once")

    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    check(first.returncode == -signal.SIGKILL, "the server was killed with SIGKILL")

    second = start(binary, workdir, port, jobs=True)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            (status,), = query(db, "SELECT status FROM services WHERE id = ?", service_id)
            if status == "active":
                break
            time.sleep(0.3)
        check(status == "active", "after the restart the worker opened the service")
        time.sleep(2)  # a few more worker rounds: nothing may run it again
        jobs = query(db, "SELECT kind, status, attempts FROM jobs WHERE service_id = ?", service_id)
        check(jobs == [("service.open", "done", 1)], f"the job ran once: {jobs}")
        opened = query(db, "SELECT COUNT(*) FROM service_events WHERE service_id = ? AND event = 'opened'", service_id)
        check(opened == [(1,)], "the history says opened once")
        check(query(db, "SELECT amount FROM expenses WHERE service_id = ?", service_id) == charges, "and the charge is still one")
        (address,), = query(db, "SELECT ip_address FROM services WHERE id = ?", service_id)
        check(address is not None and address.startswith("10.20."), f"the module's address is kept: {address}")
    finally:
        second.terminate()
        try:
            second.wait(timeout=20)
        except subprocess.TimeoutExpired:
            second.kill()
    print("crash recovery: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
