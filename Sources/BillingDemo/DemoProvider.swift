import BillingDomain
import BillingEngine
import BillingStore
import FluentKit
import Foundation

/// Fills an empty database with a demo provider: a staff administrator and a client with money on
/// its balance, so `billing serve` shows a working product at once.
public struct DemoProvider: Sendable {
    let context: EngineContext

    public static let clientEmail = "client@demo.example"
    public static let clientPassword = "demo-client-2026"
    public static let staffEmail = "admin@demo.example"
    public static let staffPassword = "demo-admin-2026!"

    public init(context: EngineContext) { self.context = context }

    public struct Logins: Sendable {
        public let clientEmail: String
        public let clientPassword: String
        public let staffEmail: String
        public let staffPassword: String
    }

    public static let logins = Logins(
        clientEmail: clientEmail, clientPassword: clientPassword,
        staffEmail: staffEmail, staffPassword: staffPassword)

    /// Creates the demo data when there are neither accounts nor staff; returns whether it did.
    @discardableResult
    public func seedIfEmpty() async throws -> Bool {
        let db = context.database
        guard try await AccountRecord.query(on: db).count() == 0,
            try await StaffUserRecord.query(on: db).count() == 0
        else { return false }
        try await seed()
        return true
    }

    /// The demo logins if both demo users exist and still have the demo passwords (nobody changed
    /// them), so `serve` never prints a login that does not work.
    public func workingLogins() async throws -> Logins? {
        let db = context.database
        guard let client = try await UserRecord.query(on: db).filter(\.$email == Self.clientEmail).first(),
            let staff = try await StaffUserRecord.query(on: db).filter(\.$email == Self.staffEmail).first(),
            try await context.passwords.verify(Self.clientPassword, against: client.passwordHash),
            try await context.passwords.verify(Self.staffPassword, against: staff.passwordHash)
        else { return nil }
        return Self.logins
    }

    /// The demo logins (printed in the README) that still open an area: a production installation
    /// refuses to start while any does.
    public func publishedLoginsThatWork() async throws -> [String] {
        var working: [String] = []
        if let staff = try await StaffUserRecord.query(on: context.database).filter(\.$email == Self.staffEmail).first(), staff.enabled,
            try await context.passwords.verify(Self.staffPassword, against: staff.passwordHash)
        {
            working.append("the demo staff login \(Self.staffEmail)")
        }
        if let client = try await UserRecord.query(on: context.database).filter(\.$email == Self.clientEmail).first(), client.enabled,
            try await context.passwords.verify(Self.clientPassword, against: client.passwordHash)
        {
            working.append("the demo client login \(Self.clientEmail)")
        }
        return working
    }

    /// Creates the demo staff user and client unconditionally (fails if they exist).
    public func seed() async throws {
        let staff = try await StaffAccounts(context: context).create(
            email: Self.staffEmail, name: "Demo Administrator",
            password: Self.staffPassword, role: .administrator)
        try await PrivacyPolicy(context: context).publish(
            texts: Self.privacyPolicy, summary: "First version", caller: .staff(staff, role: .administrator))
        let client = try await AccountRegistration(context: context).signUp(
            SignUpForm(
                email: Self.clientEmail, password: Self.clientPassword, name: "Jill Fairy",
                country: context.provider.defaultCountry, language: context.provider.defaultLanguage))
        let opening = Money(major: 150, context.provider.defaultCurrency)
        let posting = try LedgerPosting.credit(
            client: client.accountID, amount: opening, from: .openingBalances,
            kind: .openingBalance, memo: "Opening balance", text: .openingBalance,
            idempotencyKey: "opening:\(client.accountID.uuidString.lowercased())")
        try await context.ledger.post(posting, actor: .system(job: nil))
        try await DemoCatalog(context: context).seedIfEmpty()
        try await PaymentMethods(context: context).seedDefaults(currencies: Currency.all)
        // The demo client already has a running VPS, so its service list and expenses show something.
        guard let account = try await AccountRecord.find(client.accountID, on: context.database),
            let vps = try await PlanRecord.query(on: context.database).filter(\.$name == "VPS Fast").first()
        else { return }
        // The demo client orders it as the owner would.
        let owner = Caller.user(client.userID, of: context.value(account), rights: Set(ClientRight.allCases))
        try await Cart(context: context).add(OrderConfiguration(planID: vps.id!, period: .month, domainName: "jill-web1"), caller: owner)
        try await Orders(context: context).checkout(caller: owner, payFromBalance: true)
        // Its "open" job runs now (the demo's module answers at once), so the demo starts with
        // the VPS Active rather than waiting for the server's worker.
        try await JobWorker(context: context, owner: "demo").drain()
        // A month of traffic on its Traffic tab, as the simulated module counts it.
        if let service = try await ServiceRecord.query(on: context.database).filter(\.$accountID == client.accountID).first() {
            try await ServiceTraffic(context: context).seedDemoHistory(serviceID: service.id!, days: 30)
        }
    }

    /// The demo provider's privacy policy, version 1, in the three languages.
    static let privacyPolicy: [Language: String] = [
        .en: """
        Demo Hosting keeps the data you give us to provide and bill your services: your name, e-mail addresses, phone number, payers' details, the services you order, payments, and the addresses and browsers of your logins.

        We use them to open and run your services, issue invoices and acts, answer your tickets and keep your account safe. We never sell them. Payment gateways, our mail and SMS providers receive only what each needs.

        Accounting documents are kept as long as the law requires; the rest is deleted when you close your account. In the client area (Profile → Personal data) you can download everything we keep about you, and ask us to erase it or to restrict its use.
        """,
        .ru: """
        Demo Hosting хранит данные, которые вы нам передаёте, чтобы оказывать и выставлять счета за услуги: имя, адреса e-mail, номер телефона, реквизиты плательщиков, заказанные услуги, платежи, адреса и браузеры ваших входов.

        Мы используем их, чтобы открывать и обслуживать ваши услуги, выставлять счета и акты, отвечать на тикеты и защищать аккаунт. Мы никогда их не продаём. Платёжные шлюзы, почтовый и SMS-провайдеры получают только необходимое каждому.

        Бухгалтерские документы хранятся столько, сколько требует закон; остальное удаляется при закрытии аккаунта. В личном кабинете (Профиль → Персональные данные) можно скачать всё, что мы о вас храним, и попросить удалить данные или ограничить их использование.
        """,
        .uk: """
        Demo Hosting зберігає дані, які ви нам передаєте, щоб надавати послуги й виставляти за них рахунки: ім'я, адреси e-mail, номер телефону, реквізити платників, замовлені послуги, платежі, адреси й браузери ваших входів.

        Ми використовуємо їх, щоб відкривати й обслуговувати ваші послуги, виставляти рахунки та акти, відповідати на тікети й захищати акаунт. Ми ніколи їх не продаємо. Платіжні шлюзи, поштовий і SMS-провайдери отримують лише необхідне кожному.

        Бухгалтерські документи зберігаються стільки, скільки вимагає закон; решта видаляється під час закриття акаунта. В особистому кабінеті (Профіль → Персональні дані) можна завантажити все, що ми про вас зберігаємо, і попросити видалити дані чи обмежити їх використання.
        """
    ]
}
