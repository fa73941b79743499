#!/usr/bin/env python3
"""End-to-end journey in headless Chromium against the real built server.

Starts `billing serve` on a fresh SQLite file and a free port, then, as a person would:
signs up, logs out, logs in, switches the language, checks the dashboard; logs in as the demo
staff user, adjusts the demo client's balance, and checks that the client sees it. Saves
screenshots to e2e/out/. Exits non-zero on the first failure.

Usage: python3 e2e/journey.py path/to/billing
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from playwright.sync_api import expect, sync_playwright

NBSP = "\u00a0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(binary: str, workdir: str, port: int):
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update({"BILLING_PORT": str(port), "BILLING_BCRYPT_COST": "10"})
    log = open(os.path.join(workdir, "server.log"), "w")
    # Run from a directory that holds nothing of the project: assets must come from the binary.
    proc = subprocess.Popen([binary, "serve"], cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    logins, deadline = {}, time.time() + 120
    while time.time() < deadline and len(logins) < 2:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                raise SystemExit(f"server exited early: {open(os.path.join(workdir, 'server.log')).read()[-2000:]}")
            continue
        print("server:", line.rstrip())
        match = re.match(r"demo (client|staff): (\S+) (\S+)$", line.strip())
        if match:
            logins[match.group(1)] = (match.group(2), match.group(3))
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).status == 200:
                return proc, logins
        except OSError:
            time.sleep(0.3)
    raise SystemExit("server did not become healthy")


def main() -> None:
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/billing")
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
    os.makedirs(out, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="billing-e2e-")
    port = free_port()
    proc, logins = start_server(binary, workdir, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="en-US")

            # Sign up.
            page.goto(f"{base}/signup")
            page.fill("#f-name", "Erika Mustermann")
            page.fill("#f-email", "erika@example.com")
            page.fill("#f-password", "a long enough password")
            page.select_option("#f-country", "DE")
            page.click("button[type=submit].btn-primary")
            expect(page).to_have_url(re.compile(r"/dashboard"))
            expect(page.locator("[data-testid=account-info]")).to_contain_text("Germany")
            expect(page.locator("[data-testid=header-balance]")).to_contain_text("€0.00")
            page.screenshot(path=os.path.join(out, "01-dashboard-after-signup.png"), full_page=True)

            # Log out, log in.
            page.click("details.user-menu summary")
            page.click("form[action='/logout'] button")
            expect(page).to_have_url(re.compile(r"/login"))
            expect(page.locator(".alert-success")).to_contain_text("You have logged out.")
            page.fill("#f-email", "erika@example.com")
            page.fill("#f-password", "a long enough password")
            page.click("button[type=submit].btn-primary")
            expect(page).to_have_url(re.compile(r"/dashboard"))

            # Switch to Russian, then Ukrainian.
            page.click("form.lang-switch button[value=ru]")
            expect(page.locator("h1")).to_have_text("Главная")
            expect(page.locator("[data-testid=account-info]")).to_contain_text("Код клиента")
            page.screenshot(path=os.path.join(out, "02-dashboard-ru.png"), full_page=True)
            page.click("form.lang-switch button[value=uk]")
            expect(page.locator("[data-testid=account-info]")).to_contain_text("Код клієнта")
            expect(page.locator("[data-testid=header-balance]")).to_contain_text(f"0,00{NBSP}€")

            # Staff adjusts the demo client's balance.
            staff_email, staff_password = logins["staff"]
            client_email, client_password = logins["client"]
            staff = browser.new_page(viewport={"width": 1280, "height": 860})
            staff.goto(f"{base}/admin/login")
            staff.fill("#f-email", staff_email)
            staff.fill("#f-password", staff_password)
            staff.click("button[type=submit].btn-primary")
            expect(staff).to_have_url(re.compile(r"/admin$"))
            staff.fill("input[name=q]", client_email)
            staff.click("form.search button")
            staff.click("[data-testid=client-list] tbody tr:first-child td:nth-child(2) a")
            expect(staff.locator("[data-testid=staff-balance]")).to_contain_text("€150.00")
            staff.fill("#f-amount", "25.50")
            staff.fill("#f-reason", "Compensation for maintenance")
            staff.click("[data-testid=adjust-form] button[type=submit]")
            expect(staff.locator(".alert-success")).to_be_visible()
            expect(staff.locator("[data-testid=staff-balance]")).to_contain_text("€175.50")
            staff.screenshot(path=os.path.join(out, "03-staff-client-card.png"), full_page=True)

            # The demo client sees the new balance and the ledger line.
            demo = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 860}).new_page()
            demo.goto(f"{base}/login")
            demo.fill("#f-email", client_email)
            demo.fill("#f-password", client_password)
            demo.click("button[type=submit].btn-primary")
            expect(demo.locator("[data-testid=header-balance]")).to_contain_text("€175.50")
            demo.goto(f"{base}/finance/balance")
            expect(demo.locator("[data-testid=ledger]")).to_contain_text("Compensation for maintenance")
            expect(demo.locator("[data-testid=ledger]")).to_contain_text("+€25.50")
            demo.screenshot(path=os.path.join(out, "04-client-balance-history.png"), full_page=True)
            browser.close()
        print("e2e: 1 passed, 0 failed")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
