#!/usr/bin/env python3
"""End-to-end journey in headless Chromium against the real built server.

Starts `billing serve` on a fresh SQLite file and a free port, then, as a person would:
signs up, logs out, logs in, switches the language, checks the dashboard; logs in as the demo
staff user, adjusts the demo client's balance, and checks that the client sees it. Saves
screenshots to e2e/out/. Exits non-zero on the first failure.

Usage: python3 e2e/journey.py path/to/billing
"""
import http.server
import json
import os
import threading
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from playwright.sync_api import expect, sync_playwright

NBSP = "\u00a0"


def api(base: str, method: str, path: str, body=None, token=None, key=None):
    """One JSON API call: (status, parsed body, headers)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    if key:
        request.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), dict(error.headers)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StripeStandIn(http.server.BaseHTTPRequestHandler):
    """Stripe's API and its Checkout page on another origin (another port), as the real ones
    are on checkout.stripe.com: checks the key and the form like Stripe, answers a session
    whose page is here."""
    sessions = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        form = dict(pair.split("=", 1) for pair in self.rfile.read(length).decode().split("&") if "=" in pair)
        if self.headers.get("Authorization") != "Bearer sk_test_journey" or self.path != "/v1/checkout/sessions" \
                or "success_url" not in form or not self.headers.get("Idempotency-Key"):
            self.send_response(400)
            self.end_headers()
            return
        StripeStandIn.sessions.append(form)
        body = json.dumps({"id": "cs_test_journey", "url": f"http://127.0.0.1:{self.server.server_port}/pay/cs_test_journey"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<h1 data-testid=stripe-standin>Stripe Checkout stand-in</h1>")


def start_stripe_stand_in():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), StripeStandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start_server(binary: str, workdir: str, port: int, stripe_port: int):
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update({"BILLING_PORT": str(port), "BILLING_BCRYPT_COST": "10", "STRIPE_SECRET_KEY": "sk_test_journey",
                "STRIPE_WEBHOOK_SECRET": "whsec_journey", "STRIPE_API_BASE": f"http://127.0.0.1:{stripe_port}"})
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


def mailed_link(workdir: str, recipient: str, path: str, timeout: float = 20) -> str:
    """The link under `path` in the newest message to `recipient` that the server wrote into its
    development mail folder (`billing-mail/new` in its working directory); waits for the job."""
    import email
    import email.policy
    folder = os.path.join(workdir, "billing-mail", "new")
    deadline = time.time() + timeout
    while time.time() < deadline:
        names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
        for name in reversed(names):
            with open(os.path.join(folder, name), "rb") as handle:
                message = email.message_from_binary_file(handle, policy=email.policy.default)
            if recipient not in str(message["To"]):
                continue
            text = message.get_body(preferencelist=("plain",)).get_content()
            found = re.search(r"https?://\S+" + re.escape(path) + r"\S+", text)
            if found:
                return found.group(0)
        time.sleep(0.3)
    raise SystemExit(f"no mail to {recipient} with a {path} link arrived in {folder}")


def main() -> None:
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/billing")
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
    os.makedirs(out, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="billing-e2e-")
    port = free_port()
    stripe = start_stripe_stand_in()
    proc, logins = start_server(binary, workdir, port, stripe.server_port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="en-US")

            # Staff signs in first (the outbox page shows what was queued, never a usable link).
            staff_email, staff_password = logins["staff"]
            client_email, client_password = logins["client"]
            staff = browser.new_page(viewport={"width": 1280, "height": 860})
            staff.goto(f"{base}/admin/login")
            staff.fill("#f-email", staff_email)
            staff.fill("#f-password", staff_password)
            staff.click("button[type=submit].btn-primary")
            expect(staff).to_have_url(re.compile(r"/admin$"))

            # The outbox is not readable anonymously.
            anonymous_outbox = browser.new_page()
            anonymous_outbox.goto(f"{base}/admin/outbox")
            expect(anonymous_outbox).to_have_url(re.compile(r"/admin/login"))
            anonymous_outbox.close()

            # Sign up: the answer is "check your e-mail", and the e-mailed link opens the account.
            page.goto(f"{base}/signup")
            page.fill("#f-name", "Erika Mustermann")
            page.fill("#f-email", "erika@example.com")
            page.fill("#f-password", "a long enough password")
            page.select_option("#f-country", "DE")
            page.click("button[type=submit].btn-primary")
            expect(page.locator("[data-testid=signup-sent]")).to_contain_text("erika@example.com")
            # The link is read from the mail as it arrived (the development Maildir), as a person
            # reads their mailbox; the outbox page holds only a placeholder where the token goes.
            link = mailed_link(workdir, "erika@example.com", "/signup/confirm/")
            staff.goto(f"{base}/admin/outbox")
            mail = staff.locator("[data-testid=outbox-message]", has_text="erika@example.com").first
            expect(mail.locator("[data-testid=outbox-body]")).to_contain_text("/signup/confirm/{token}")
            assert link.split("/signup/confirm/")[1] not in staff.content(), "the outbox page shows a live token"
            page.goto(link)
            # The link's page sets the account's password (the mailbox's owner decides it).
            page.fill("#f-password", "a long enough password")
            page.screenshot(path=os.path.join(out, "00-signup-confirm.png"), full_page=True)
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
            staff.goto(f"{base}/admin")
            staff.fill("input[name=q]", client_email)
            staff.click("form.search button")
            staff.click("[data-testid=client-list] tbody tr:first-child td:nth-child(2) a")
            # 150.00 opening balance less the demo VPS Fast (9.90).
            expect(staff.locator("[data-testid=staff-balance]")).to_contain_text("€140.10")
            staff.fill("#f-amount", "25.50")
            staff.fill("#f-reason", "Compensation for maintenance")
            staff.click("[data-testid=adjust-form] button[type=submit]")
            expect(staff.locator(".alert-success")).to_be_visible()
            expect(staff.locator("[data-testid=staff-balance]")).to_contain_text("€165.60")
            staff.screenshot(path=os.path.join(out, "03-staff-client-card.png"), full_page=True)

            # The demo client sees the new balance and the ledger line.
            demo = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 860}).new_page()
            demo.goto(f"{base}/login")
            demo.fill("#f-email", client_email)
            demo.fill("#f-password", client_password)
            demo.click("button[type=submit].btn-primary")
            expect(demo.locator("[data-testid=header-balance]")).to_contain_text("€165.60")
            demo.goto(f"{base}/finance/balance")
            expect(demo.locator("[data-testid=ledger]")).to_contain_text("Compensation for maintenance")
            expect(demo.locator("[data-testid=ledger]")).to_contain_text("+€25.50")
            demo.screenshot(path=os.path.join(out, "04-client-balance-history.png"), full_page=True)

            # Order a VPS with more RAM and a promo code, pay from the balance. VPS Fast is 9.90 a
            # month; 512 MiB of RAM is 256 MiB above the included 256 at 0.004 € each: 1.02; the
            # promo WELCOME10 takes 10 % of 10.92 = 1.09 off: 9.83 due, German VAT included.
            demo.goto(f"{base}/order?type=vps")
            demo.locator("[data-testid=plan-card]", has_text="VPS Fast").locator("a.btn").click()
            ram = demo.locator("input[name^='addon.']").nth(1)
            ram.fill("512")
            demo.fill("#f-domain", "e2e-web")
            demo.fill("#f-promo", "welcome10")
            demo.click("button[value=quote]")
            expect(demo.locator("[data-testid=due-now]")).to_have_text("€9.83")
            expect(demo.locator("[data-testid=quote]")).to_contain_text("Promo discount")
            demo.screenshot(path=os.path.join(out, "05-order-form.png"), full_page=True)
            demo.click("button[value=pay]")
            # The demo seeded a VPS Fast minutes ago: the same purchase asks before buying again.
            expect(demo.locator("[data-testid=repeat-purchase-text]")).to_contain_text("You already ordered “VPS Fast”")
            demo.screenshot(path=os.path.join(out, "05b-repeat-purchase.png"), full_page=True)
            demo.click("[data-testid=repeat-confirm] button[type=submit]")
            expect(demo).to_have_url(re.compile(r"/services\?type=vps"))
            row = demo.locator("[data-testid=service-list] tbody tr", has_text="e2e-web")
            expect(row.locator("[data-testid=service-status]")).to_have_text("Active")
            expect(demo.locator("[data-testid=header-balance]")).to_contain_text("€155.77")
            demo.screenshot(path=os.path.join(out, "06-services.png"), full_page=True)
            row.locator("a").first.click()
            expect(demo.locator("[data-testid=service-params]")).to_contain_text("512 MiB")
            expect(demo.locator("[data-testid=service-history]")).to_contain_text("Activated")
            demo.screenshot(path=os.path.join(out, "07-service-page.png"), full_page=True)
            # The server's tabs (SVC-3..SVC-5): a reboot shows Processing, then Active again (the
            # page refreshes itself while the worker runs the job); the reverse DNS is saved and
            # applied; the traffic chart has a bar an hour.
            service_url = demo.url.split("?")[0]
            demo.once("dialog", lambda dialog: dialog.accept())
            demo.click("form[action$='/reboot'] button[type=submit]")
            expect(demo.locator("[data-testid=service-status]")).to_have_text(re.compile("Processing|Active"))
            demo.screenshot(path=os.path.join(out, "07a-reboot.png"), full_page=True)
            expect(demo.locator("[data-testid=service-status]")).to_have_text("Active", timeout=20000)
            expect(demo.locator("[data-testid=service-history]")).to_contain_text("Rebooted")
            demo.click("[data-testid=tab-network]")
            expect(demo.locator("[data-testid=network-mac]")).to_have_text(re.compile(r"^52:54:00:"))
            demo.fill("[data-testid=rdns-input]", "mail server")
            demo.click("[data-testid=service-network] button[type=submit]")
            expect(demo.locator(".alert-error")).to_contain_text("Enter a host name such as mail.example.com")
            demo.fill("[data-testid=rdns-input]", "e2e-web.example.com")
            demo.click("[data-testid=service-network] button[type=submit]")
            expect(demo.locator(".alert-success")).to_contain_text("Reverse DNS saved")
            expect(demo.locator("[data-testid=rdns-status]")).to_have_text("Active", timeout=20000)
            demo.screenshot(path=os.path.join(out, "07b-network.png"), full_page=True)
            demo.click("[data-testid=tab-traffic]")
            expect(demo.locator("[data-testid=traffic-chart] [data-testid=traffic-bar]")).to_have_count(24)
            demo.click("[data-testid=span-month]")
            expect(demo.locator("[data-testid=traffic-chart] [data-testid=traffic-bar]")).to_have_count(30)
            demo.screenshot(path=os.path.join(out, "07c-traffic.png"), full_page=True)
            # IP-KVM: the console's address on the tab, its password only after asking.
            demo.click("[data-testid=tab-console]")
            expect(demo.locator("[data-testid=console-address]")).to_contain_text("10.20.0.2:")
            expect(demo.locator("[data-testid=console-password]")).to_have_count(0)
            demo.click("[data-testid=console-open] button")
            expect(demo.locator("[data-testid=console-password]")).to_have_text(re.compile(r"^[A-Za-z0-9]{8}$"))
            demo.screenshot(path=os.path.join(out, "07d-console.png"), full_page=True)
            demo.goto(service_url)
            demo.goto(f"{base}/finance/expenses")
            expense = demo.locator("[data-testid=expenses] tbody tr", has_text="e2e-web")
            expect(expense).to_contain_text("€9.83")
            expect(expense).to_contain_text("€1.57")
            demo.screenshot(path=os.path.join(out, "08-expenses.png"), full_page=True)

            # A tampered form (an add-on beyond its maximum) is refused with a message.
            demo.goto(f"{base}/order?type=vps")
            demo.locator("[data-testid=plan-card]", has_text="VPS Fast").locator("a.btn").click()
            demo.evaluate("document.querySelectorAll('input[name^=\"addon.\"]').forEach(i => { i.removeAttribute('max'); i.removeAttribute('step'); })")
            demo.locator("input[name^='addon.']").nth(1).fill("999999")
            demo.fill("#f-domain", "e2e-web2")
            demo.click("button[value=pay]")
            expect(demo.locator(".alert-error")).to_contain_text("RAM: at most 16384.")
            expect(demo.locator("[data-testid=header-balance]")).to_contain_text("€155.77")

            staff.goto(f"{base}/admin/catalog")
            expect(staff.locator("[data-testid=plan-list]")).to_contain_text("VPS Fast")
            staff.screenshot(path=os.path.join(out, "09-staff-catalog.png"), full_page=True)

            # Erika tops up 40.00 with the sandbox card: 2.5 % commission, 1 % cashback.
            page.click("form.lang-switch button[value=en]")
            page.goto(f"{base}/payments/new")
            page.check("[data-testid=method-sandbox]")
            page.fill("#f-amount", "40.00")
            page.screenshot(path=os.path.join(out, "10-payment-method.png"), full_page=True)
            page.click("form button[type=submit].btn-primary")
            expect(page.locator("[data-testid=confirm-commission]")).to_have_text("€1.00")
            expect(page.locator("[data-testid=confirm-total]")).to_have_text("€41.00")
            page.screenshot(path=os.path.join(out, "11-payment-confirm.png"), full_page=True)
            page.click("form button[type=submit].btn-primary")
            expect(page).to_have_url(re.compile(r"/sandbox-gateway/pay/"))
            expect(page.locator("[data-testid=sandbox-amount]")).to_have_text("€41.00")
            page.screenshot(path=os.path.join(out, "12-sandbox-gateway.png"), full_page=True)
            page.click("[data-testid=sandbox-pay]")
            expect(page).to_have_url(re.compile(r"/payments/.+/result"))
            expect(page.locator("[data-testid=payment-result]")).to_contain_text("€40.00 is credited")
            expect(page.locator("[data-testid=header-balance]")).to_contain_text("€40.40")
            page.screenshot(path=os.path.join(out, "13-payment-result.png"), full_page=True)

            # A second invoice of 20.00 left at the gateway's page stays unpaid; its link is copied.
            page.goto(f"{base}/payments/new")
            page.check("[data-testid=method-sandbox]")
            page.fill("#f-amount", "20.00")
            page.click("form button[type=submit].btn-primary")
            page.click("form button[type=submit].btn-primary")
            expect(page).to_have_url(re.compile(r"/sandbox-gateway/pay/"))
            page.goto(f"{base}/payments")
            expect(page.locator("[data-testid=payment-list]")).to_contain_text("€20.50")
            page.screenshot(path=os.path.join(out, "14-invoices-unpaid.png"), full_page=True)
            page.locator("[data-testid=payment-list] tbody tr", has_text="€20.50").locator("a").first.click()
            link = page.locator("[data-testid=pay-link]").input_value()
            assert "/pay/" in link, link
            page.screenshot(path=os.path.join(out, "15-invoice-detail.png"), full_page=True)

            # Another client opening the link sees that one invoice and nothing of Erika's.
            demo.goto(link)
            expect(demo.locator("[data-testid=paylink-total]")).to_have_text("€20.50")
            expect(demo.locator("body")).not_to_contain_text("Erika")
            expect(demo.locator("body")).not_to_contain_text("erika@example.com")

            # Someone logged out pays it through the link.
            anonymous = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 860}).new_page()
            anonymous.goto(link)
            expect(anonymous.locator("[data-testid=payment-status]")).to_have_text("Being paid")
            anonymous.screenshot(path=os.path.join(out, "16-pay-link.png"), full_page=True)
            anonymous.click("form button[type=submit].btn-primary")
            expect(anonymous).to_have_url(re.compile(r"/sandbox-gateway/pay/"))
            anonymous.click("[data-testid=sandbox-pay]")
            expect(anonymous).to_have_url(re.compile(r"/pay/"))
            expect(anonymous.locator("[data-testid=payment-status]")).to_have_text("Credited")
            page.goto(f"{base}/payments?filter=paid")
            expect(page.locator("[data-testid=header-balance]")).to_contain_text("€60.60")

            # Staff see the payments.
            staff.goto(f"{base}/admin/payments")
            expect(staff.locator("[data-testid=staff-payments]")).to_contain_text("€41.00")
            staff.screenshot(path=os.path.join(out, "17-staff-payments.png"), full_page=True)

            # The same over the JSON API on the real server: a token, a top-up with an
            # Idempotency-Key (repeated: the same answer, one payment), paid at the gateway's page.
            token = api(base, "POST", "/api/v1/auth/tokens", {"email": "erika@example.com", "password": "a long enough password"})[1]["token"]
            methods = api(base, "GET", "/api/v1/payment-methods?amount=10.00", token=token)[1]["items"]
            card = next(m for m in methods if m["kind"] == "sandbox")
            assert card["quote"]["total"] == {"amount": "10.25", "currency": "EUR"}, card["quote"]
            body = {"method_id": card["id"], "amount": "10.00"}
            status, first, _ = api(base, "POST", "/api/v1/payments", body, token=token, key="e2e-topup-1")
            status2, second, headers = api(base, "POST", "/api/v1/payments", body, token=token, key="e2e-topup-1")
            assert (status, status2) == (201, 201) and first == second, (status, status2)
            assert headers.get("Idempotent-Replayed") == "true", headers
            redirect = api(base, "POST", f"/api/v1/payments/{first['id']}/checkout", {}, token=token)[1]["redirect_url"]
            anonymous.goto(redirect)
            anonymous.click("[data-testid=sandbox-pay]")
            # The gateway returns the payer to the client area, which asks a stranger to log in.
            expect(anonymous).to_have_url(re.compile(r"/login"))
            paid = api(base, "GET", f"/api/v1/payments/{first['id']}", token=token)[1]
            assert paid["status"] == "credited", paid
            balance = api(base, "GET", "/api/v1/me", token=token)[1]["balance"]
            assert balance == {"amount": "70.70", "currency": "EUR"}, balance
            unpaid = api(base, "GET", "/api/v1/payments", token=token)[1]
            assert all(item["id"] != first["id"] for item in unpaid["items"]), unpaid

            # At a phone's width: a menu button opens the menu, and no page scrolls sideways.
            phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="en-US")
            phone.goto(f"{base}/login")
            phone.fill("#f-email", "erika@example.com")
            phone.fill("#f-password", "a long enough password")
            phone.click("button[type=submit].btn-primary")
            expect(phone.locator("nav.sidebar")).to_be_hidden()
            phone.click("[data-testid=menu-button]")
            expect(phone.locator("nav.sidebar")).to_be_visible()
            expect(phone.locator("nav.sidebar")).to_contain_text("Expenses")
            for path, name in [("/dashboard", "phone-dashboard"), ("/services", "phone-services"), ("/payments?filter=all", "phone-payments"),
                               ("/finance/balance", "phone-balance")]:
                phone.goto(base + path)
                width = phone.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, (path, width)
                phone.screenshot(path=os.path.join(out, f"20-{name}.png"), full_page=True)
            phone.goto(f"{base}/order?type=vps")
            phone.locator("[data-testid=plan-card] a.btn").first.click()
            expect(phone.locator("[data-testid=due-now-inline]")).to_be_visible()
            phone.screenshot(path=os.path.join(out, "21-phone-order.png"), full_page=True)

            # A real gateway's page is on another origin: the checkout form's answer redirects
            # there, and the pages' policy (form-action) must let the browser follow it.
            staff.goto(f"{base}/admin/payment-methods")
            new_method = staff.locator("details.widget").last
            new_method.locator("input[name=name]").fill("Card (Stripe)")
            new_method.locator("select[name=kind]").select_option("stripe")
            new_method.locator("button[type=submit]").click()
            expect(staff.locator("body")).to_contain_text("Card (Stripe)")
            page.goto(f"{base}/payments/new")
            page.check("[data-testid=method-stripe]")
            page.fill("#f-amount", "15.00")
            page.click("form button[type=submit].btn-primary")
            page.click("form button[type=submit].btn-primary")
            expect(page.locator("[data-testid=stripe-standin]")).to_be_visible()
            assert page.url.startswith(f"http://127.0.0.1:{stripe.server_port}/pay/"), page.url
            assert StripeStandIn.sessions and StripeStandIn.sessions[-1]["line_items[0][price_data][unit_amount]"] == "1500", StripeStandIn.sessions
            browser.close()
        print("e2e: 1 passed, 0 failed")
    finally:
        stripe.shutdown()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
