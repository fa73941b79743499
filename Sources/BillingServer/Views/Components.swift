import BillingDomain
import Foundation
import Plot

/// Small building blocks shared by the pages. Generic over the Plot context so they fit in a
/// body, a form or a label alike.
enum UI {
    /// The hidden fields every POST form carries: the CSRF token, and a one-time key so that a
    /// double click or a resent request has one effect (`FormOnceMiddleware`).
    static func csrfField<C: HTML.BodyContext>(_ page: PageContext) -> Node<C> {
        .group(
            .input(.type(.hidden), .name(CSRFMiddleware.fieldName), .value(page.csrfToken)),
            .input(.type(.hidden), .name(FormOnceMiddleware.fieldName), .value(UUID().uuidString.lowercased())))
    }

    static func hidden<C: HTML.BodyContext>(_ name: String, _ value: String) -> Node<C> {
        .input(.type(.hidden), .name(escape(name)), .value(escape(value)))
    }

    /// A labelled input with an optional hint below it.
    static func field<C: HTML.BodyContext>(
        label: String, name: String, type: HTMLInputType = .text, value: String = "",
        required: Bool = true, autocomplete: String? = nil, hint: String? = nil,
        minLength: Int? = nil
    ) -> Node<C> {
        .div(
            .class("field"),
            .label(.for("f-\(name)"), .text(label)),
            .input(
                .type(type), .name(name), .id("f-\(name)"), .value(escape(value)), .required(required),
                .attribute(named: "autocomplete", value: autocomplete),
                .attribute(named: "minlength", value: minLength.map(String.init))),
            .unwrap(hint) { .p(.class("hint"), .text($0)) })
    }

    /// The field of a password being chosen (`password`), with the policy's minimum as its hint.
    static func newPasswordField<C: HTML.BodyContext>(_ page: PageContext, label: String) -> Node<C> {
        field(
            label: label, name: "password", type: .password, autocomplete: "new-password",
            hint: page.t("field.password_hint", ["min": String(PasswordPolicy.minimumLength)]), minLength: PasswordPolicy.minimumLength)
    }

    /// A select; `kinds` gives options a `data-kind` (the payer's kind, for the page's script).
    static func select<C: HTML.BodyContext>(
        label: String, name: String, options: [(value: String, title: String)],
        selected: String?, kinds: [String: String] = [:]
    ) -> Node<C> {
        // Plot writes <option> as a self-closed element; a select needs options with text.
        let rendered = options.map { option in
            let kind = kinds[option.value].map { " data-kind=\"\(escape($0))\"" } ?? ""
            return "<option value=\"\(escape(option.value))\"\(kind)\(option.value == selected ? " selected" : "")>"
                + "\(escape(option.title))</option>"
        }.joined()
        return .div(
            .class("field"),
            .label(.for("f-\(name)"), .text(label)),
            .raw("<select name=\"\(escape(name))\" id=\"f-\(escape(name))\">\(rendered)</select>"))
    }

    /// HTML-escapes text placed into raw markup or into an attribute. Plot writes attribute values
    /// as given, so every value that may hold user input passes here.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }

    /// A resource amount in the unit people read: 40960 MiB is "40 GiB", 10240 GiB is "10 TiB";
    /// an amount that is not a whole number of the larger unit stays as it is.
    static func quantity(_ amount: Int, _ kind: AddonKind, _ page: PageContext) -> String {
        let larger: String? =
            switch kind.unitKey {
            case "unit.mib": "unit.gib"
            case "unit.gib": "unit.tib"
            default: nil
            }
        if let larger, amount >= 1024, amount % 1024 == 0 { return "\(amount / 1024) \(page.t(larger))" }
        return "\(amount) \(page.t(kind.unitKey))"
    }

    static func alert<C: HTML.BodyContext>(_ text: String?, kind: String = "error") -> Node<C> {
        .unwrap(text) { .div(.class("alert alert-\(kind)"), .attribute(named: "role", value: "alert"), .text($0)) }
    }

    static func submit<C: HTML.BodyContext>(_ title: String, style: String = "primary") -> Node<C> {
        .button(.type(.submit), .class("btn btn-\(style)"), .text(title))
    }

    /// A tiny inline icon from the sprite in `Icons`.
    static func icon<C: HTML.BodyContext>(_ name: String) -> Node<C> {
        .raw(Icons.svg(name))
    }
}

/// Inline SVG icons (stroke-based, 24×24), drawn here so the pages need no icon font or files.
enum Icons {
    static func svg(_ name: String) -> String {
        let paths: String
        switch name {
        case "home": paths = #"<path d="M3 11l9-8 9 8"/><path d="M5 10v10h14V10"/>"#
        case "client": paths = #"<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4 4-6 8-6s8 2 8 6"/>"#
        case "services":
            paths =
                #"<rect x="3" y="4" width="18" height="6" rx="1"/><rect x="3" y="14" width="18" height="6" rx="1"/><path d="M7 7h.01M7 17h.01"/>"#
        case "finance": paths = #"<rect x="2" y="6" width="20" height="13" rx="2"/><path d="M2 10h20M6 15h4"/>"#
        case "support": paths = #"<path d="M21 12a8 8 0 0 1-11.6 7.1L4 21l1.9-5.4A8 8 0 1 1 21 12z"/>"#
        case "tools": paths = #"<path d="M14 7l3-3 3 3-3 3M4 20l9-9M14 7l3 3"/>"#
        case "stats": paths = #"<path d="M4 20V10M10 20V4M16 20v-7M22 20H2"/>"#
        case "wallet": paths = #"<path d="M3 7h15a3 3 0 0 1 3 3v7a3 3 0 0 1-3 3H3z"/><path d="M3 7l12-4v4M16 14h.01"/>"#
        case "plus": paths = #"<path d="M12 5v14M5 12h14"/>"#
        case "list": paths = #"<path d="M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01"/>"#
        case "mail": paths = #"<rect x="3" y="5" width="18" height="14" rx="2"/><path d="M3 7l9 6 9-6"/>"#
        case "logout": paths = #"<path d="M15 4h4v16h-4M10 17l5-5-5-5M15 12H3"/>"#
        case "search": paths = #"<circle cx="11" cy="11" r="7"/><path d="M21 21l-5-5"/>"#
        default: paths = #"<circle cx="12" cy="12" r="9"/>"#
        }
        return
            #"<svg class="icon" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">"#
            + paths + "</svg>"
    }
}
