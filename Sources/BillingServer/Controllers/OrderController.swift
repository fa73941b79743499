import BillingDomain
import BillingEngine
import Vapor

/// Ordering (CAT-2..4): the catalog by product type, the configuration form with a quote
/// computed on the server, the cart and the orders.
struct OrderController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.orderCatalog, use: catalog)
        routes.get(SiteURL.orderPlan(.key), use: configure)
        routes.post(SiteURL.orderPlan(.key), use: submit)
        routes.post(SiteURL.orderQuick(.key), use: quick)
        routes.get(SiteURL.cart, use: cart)
        routes.post(SiteURL.cartPromo, use: promo)
        routes.post(SiteURL.cartCheckout, use: checkout)
        routes.post(SiteURL.cartItemRemove(.key), use: remove)
        routes.get(SiteURL.orders, use: orders)
        routes.get(SiteURL.order(.key), use: order)
        routes.post(SiteURL.orderPay(.key), use: pay)
        routes.post(SiteURL.orderCancel(.key), use: cancel)
    }

    func catalog(req: Request) async throws -> Response {
        let page = try await PageContext.client(req)
        let type = req.query[String.self, at: "type"].flatMap(ProductType.init(rawValue:)) ?? .vps
        let currency = try req.client.currency
        let offers = try await Catalog(context: req.engine).offers(type: type, currency: currency)
        let settings = try await BillingSettings.load(context: req.engine)
        return OrderPages.catalog(
            page, type: type, offers: offers, taxMode: settings.taxMode,
            taxRate: VATTable.rate(forCountry: try req.client.country)
        ).response()
    }

    /// The configuration as the form sent it. Only choices are read (plan, period, amounts,
    /// names); any price a tampered form carries is simply not looked at.
    static func configuration(planID: UUID, form: [String: String]) throws -> OrderConfiguration {
        var addons: [UUID: Int] = [:]
        for (key, value) in form where key.hasPrefix("addon.") {
            guard let id = UUID(uuidString: String(key.dropFirst(6))) else { throw OrderFormError.badAddon }
            guard let amount = Int(value.trimmingCharacters(in: .whitespaces)) else { throw OrderFormError.badQuantity }
            addons[id] = amount
        }
        guard let period = form["period"].flatMap(BillingPeriod.init(rawValue:)) else { throw OrderFormError.badPeriod }
        return OrderConfiguration(
            planID: planID, period: period, addons: addons,
            domainName: String((form["domain"] ?? "").prefix(253)), osImage: form["os"] ?? "",
            trial: form["trial"] == "on", promoCode: form["promo"].flatMap { $0.isEmpty ? nil : String($0.prefix(40)) })
    }

    enum OrderFormError: Error { case badAddon, badQuantity, badPeriod }

    func configure(req: Request) async throws -> Response {
        let account = try req.client.account
        guard let planID = req.parameters.get("planID").flatMap(UUID.init(uuidString:)),
            let offer = try await Catalog(context: req.engine).offer(planID: planID, currency: try req.client.currency),
            offer.isOrderable
        else { throw PageError.notFound }
        var config = OrderConfiguration(planID: planID, period: offer.periods.first ?? .month)
        var itemID: UUID?
        if let id = req.query[String.self, at: "item"].flatMap(UUID.init(uuidString:)),
            let item = try await Cart(context: req.engine).item(id, caller: try req.client.caller)
        {
            itemID = id
            config = item.configuration
            config.planID = planID
        }
        // The first look at the form shows the price: a name not typed yet does not change it.
        var quoted = config
        if quoted.domainName.isEmpty { quoted.domainName = "example.com" }
        let priced = try? await OrderPricing(context: req.engine).price(quoted, for: account)
        return OrderPages.configure(
            try await PageContext.client(req), offer: offer, configuration: config, priced: priced,
            error: nil, itemID: itemID
        ).response()
    }

    /// A quick order (CAT-4): a server plan with its defaults (the first period, the included
    /// resources, the first system, its free trial if it has one and the client has not had it)
    /// into the cart without a name; once paid it waits in
    /// "configuration required" for the client to name it.
    func quick(req: Request) async throws -> Response {
        guard let planID = req.parameters.get("planID").flatMap(UUID.init(uuidString:)),
            let offer = try await Catalog(context: req.engine).offer(planID: planID, currency: try req.client.currency),
            offer.isOrderable, offer.productType.hasServer, let period = offer.periods.first
        else { throw PageError.notFound }
        let cart = Cart(context: req.engine)
        let caller = try req.client.caller
        // A plan with a free trial is taken with it, as its card says, unless this client had it.
        do {
            try await cart.add(
                OrderConfiguration(planID: planID, period: period, trial: offer.plan.trialDays > 0, quick: true), caller: caller)
        } catch OrderError.trialUsed {
            try await cart.add(OrderConfiguration(planID: planID, period: period, quick: true), caller: caller)
        }
        return req.redirect(to: SiteURL.cart.notice("added_to_cart"))
    }

    func submit(req: Request) async throws -> Response {
        let account = try req.client.account
        guard let planID = req.parameters.get("planID").flatMap(UUID.init(uuidString:)),
            let offer = try await Catalog(context: req.engine).offer(planID: planID, currency: try req.client.currency)
        else { throw PageError.notFound }
        let form = try req.content.decode([String: String].self)
        let page = try await PageContext.client(req)
        let itemID = form["item"].flatMap(UUID.init(uuidString:))
        var config = OrderConfiguration(planID: planID, period: offer.periods.first ?? .month)
        func refuse(_ message: String) -> Response {
            OrderPages.configure(page, offer: offer, configuration: config, priced: nil, error: message, itemID: itemID)
                .response(status: .unprocessableEntity)
        }
        do {
            config = try Self.configuration(planID: planID, form: form)
        } catch {
            return refuse(page.t("error.order.bad_form"))
        }
        do {
            let priced = try await OrderPricing(context: req.engine).price(config, for: account)
            switch form["action"] ?? "quote" {
            case "cart":
                if let itemID {
                    try await Cart(context: req.engine).update(itemID: itemID, with: config, caller: try req.client.caller)
                } else {
                    try await Cart(context: req.engine).add(config, caller: try req.client.caller)
                }
                return req.redirect(to: SiteURL.cart.notice("added_to_cart"))
            case "pay":
                // The same plan bought minutes ago (back after paying, "Pay now" again): ask first.
                if form["repeat"] != "confirmed",
                    let earlier = try await Orders(context: req.engine).recentPurchase(of: planID, caller: try req.client.caller)
                {
                    return OrderPages.confirmRepeat(page, offer: offer, earlier: earlier, form: form).response(status: .conflict)
                }
                let item = try await Cart(context: req.engine).add(config, caller: try req.client.caller)
                do {
                    try await Orders(context: req.engine).checkout(caller: try req.client.caller, itemIDs: [item.id], payFromBalance: true)
                } catch let error as OrderError {
                    if case .insufficientBalance = error { return req.redirect(to: SiteURL.orders.notice("order_pending")) }
                    throw error
                }
                return req.redirect(to: SiteURL.services.path(["type": offer.productType.rawValue, "notice": "order_paid"]))
            default:
                return OrderPages.configure(
                    page, offer: offer, configuration: priced.configuration, priced: priced, error: nil,
                    itemID: itemID
                ).response()
            }
        } catch let error as OrderError {
            return refuse(page.message(error))
        }
    }

    func cart(req: Request) async throws -> Response {
        try await renderCart(req, error: nil)
    }

    /// The cart page, with a refusal on top when there is one.
    private func renderCart(_ req: Request, error: OrderError?) async throws -> Response {
        let page = try await PageContext.client(req)
        let account = try req.client.account
        let lines = try await Cart(context: req.engine).lines(caller: try req.client.caller)
        let methods = try await PaymentMethods(context: req.engine).available(for: account, topUp: true)
        return OrderPages.cart(
            page, lines: lines, methods: methods.map { (value: $0.id.uuidString.lowercased(), title: $0.name(in: req.language)) },
            error: error.map { page.message($0) }
        )
        .response(status: error == nil ? .ok : .unprocessableEntity)
    }

    /// The orders page, with a refusal on top when there is one.
    private func renderOrders(_ req: Request, error: OrderError?) async throws -> Response {
        let page = try await PageContext.client(req)
        let caller = try req.client.caller
        let orders = Orders(context: req.engine)
        let pending = try await orders.list(caller: caller, status: .pending)
        let paid = try await orders.list(caller: caller, status: .paid)
        let items = try await orders.items(of: pending + paid)
        let methods = try await PaymentMethods(context: req.engine).all()
        return OrderPages.orders(
            page, pending: pending, paid: paid, items: items,
            methods: Dictionary(uniqueKeysWithValues: methods.map { ($0.id, $0.name(in: req.language)) }),
            error: error.map { page.message($0) }
        )
        .response(status: error == nil ? .ok : .unprocessableEntity)
    }

    func promo(req: Request) async throws -> Response {
        struct Form: Content { var code: String? }
        let code = (try req.content.decode(Form.self).code ?? "").prefix(40)
        do {
            try await Cart(context: req.engine).applyPromo(String(code), caller: try req.client.caller)
        } catch let error as OrderError {
            return try await renderCart(req, error: error)
        }
        return req.redirect(to: SiteURL.cart.notice("promo_applied"))
    }

    func checkout(req: Request) async throws -> Response {
        struct Form: Content { var method: String? }
        let account = try req.client.account
        // Another method than the balance is fixed on the order (CAT-5), and the payment flow
        // takes over: payer, confirmation, gateway.
        if let methodID = try req.content.decode(Form.self).method.flatMap(UUID.init(uuidString:)) {
            guard try await PaymentMethods(context: req.engine).available(for: account, topUp: true).contains(where: { $0.id == methodID })
            else { return try await renderCart(req, error: .emptyCart) }
            do {
                let order = try await Orders(context: req.engine).checkout(
                    caller: try req.client.caller, payFromBalance: false, paymentMethod: methodID.uuidString.lowercased())
                return req.redirect(
                    to: SiteURL.newPayment.path(["order": order.id.uuidString.lowercased(), "method": methodID.uuidString.lowercased()]))
            } catch let error as OrderError {
                return try await renderCart(req, error: error)
            }
        }
        do {
            try await Orders(context: req.engine).checkout(caller: try req.client.caller, payFromBalance: true)
        } catch let error as OrderError {
            if case .insufficientBalance = error { return req.redirect(to: SiteURL.orders.notice("order_pending")) }
            return try await renderCart(req, error: error)
        }
        return req.redirect(to: SiteURL.orders.notice("order_paid"))
    }

    func remove(req: Request) async throws -> Response {
        guard let id = req.parameters.get("itemID").flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        do { try await Cart(context: req.engine).remove(itemID: id, caller: try req.client.caller) } catch OrderError.itemNotFound {
            throw PageError.notFound
        }
        return req.redirect(to: SiteURL.cart.path)
    }

    func orders(req: Request) async throws -> Response {
        try await renderOrders(req, error: nil)
    }

    /// One order: its items, amounts, method, status and the payments made for it.
    func order(req: Request) async throws -> Response {
        guard let id = req.parameters.get("orderID").flatMap(UUID.init(uuidString:)),
            let detail = try await Orders(context: req.engine).detail(orderID: id, caller: try req.client.caller)
        else {
            throw PageError.notFound
        }
        var methodName: String?
        if case .method(let id) = detail.order.method {
            methodName = try await PaymentMethods(context: req.engine).method(id)?.name(in: req.language)
        }
        return OrderPages.order(try await PageContext.client(req), detail: detail, methodName: methodName).response()
    }

    func pay(req: Request) async throws -> Response {
        guard let id = req.parameters.get("orderID").flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        do {
            let settlement = try await Orders(context: req.engine).settle(orderID: id, caller: try req.client.caller)
            if case .payThrough(let methodID) = settlement {
                // Fixed at checkout: it is paid with its own method, never from the balance (CAT-5).
                return req.redirect(
                    to: SiteURL.newPayment.path(["order": id.uuidString.lowercased(), "method": methodID.uuidString.lowercased()]))
            }
        } catch OrderError.orderNotFound {
            throw PageError.notFound
        } catch let error as OrderError {
            return try await renderOrders(req, error: error)
        }
        return req.redirect(to: SiteURL.orders.notice("order_paid"))
    }

    func cancel(req: Request) async throws -> Response {
        guard let id = req.parameters.get("orderID").flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        do { try await Orders(context: req.engine).cancel(orderID: id, caller: try req.client.caller) } catch OrderError.orderNotFound {
            throw PageError.notFound
        } catch OrderError.orderNotPending { return req.redirect(to: SiteURL.orders.path) }
        return req.redirect(to: SiteURL.orders.notice("order_cancelled"))
    }
}
