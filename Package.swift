// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "billing",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "billing", targets: ["billing"])
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/vapor/swift-openapi-vapor.git", from: "1.2.0"),
        .package(url: "https://github.com/JohnSundell/Plot.git", from: "0.14.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0")
    ],
    targets: [
        .target(name: "BillingDomain"),
        .target(
            name: "BillingStore",
            dependencies: [
                "BillingDomain",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQL", package: "fluent-kit")
            ]),
        .target(name: "Payments", dependencies: ["BillingDomain", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Provisioning", dependencies: ["BillingDomain", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "Messaging",
            dependencies: [
                "BillingDomain",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl")
            ]),
        .target(
            name: "BillingEngine",
            dependencies: [
                "BillingDomain", "BillingStore", "Payments", "Provisioning", "Messaging",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log")
            ]),
        // The demo provider, the scale demo and the renewal benchmark: used by `billing serve`,
        // `billing demo` and `billing bench`, never by the engine itself.
        .target(
            name: "BillingDemo",
            dependencies: [
                "BillingDomain", "BillingStore", "BillingEngine", .product(name: "FluentKit", package: "fluent-kit")
            ]),
        .target(
            name: "BillingAPI",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")
            ], resources: [.embedInCode("openapi.yaml")],
            plugins: [
                .plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")
            ]),
        .target(
            name: "BillingServer",
            dependencies: [
                "BillingDomain", "BillingStore", "BillingEngine", "BillingDemo", "Payments", "Provisioning", "Messaging", "BillingAPI",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIVapor", package: "swift-openapi-vapor"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Plot", package: "Plot"),
                .product(name: "Crypto", package: "swift-crypto")
            ],
            resources: [
                .embedInCode("Assets/app.css"), .embedInCode("Assets/app.js"), .embedInCode("Locales/en.json"),
                .embedInCode("Locales/ru.json"), .embedInCode("Locales/uk.json")
            ],
            swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")]),
        .executableTarget(
            name: "billing",
            dependencies: [
                "BillingServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ]),
        .testTarget(name: "BillingDomainTests", dependencies: ["BillingDomain", "BillingTestSupport"]),
        .testTarget(name: "MessagingTests", dependencies: ["Messaging", "BillingDomain", "BillingTestSupport"]),
        .testTarget(
            name: "BillingStoreTests",
            dependencies: [
                "BillingStore", "BillingDomain", "BillingEngine", "BillingServer", "BillingTestSupport",
                .product(name: "Fluent", package: "fluent")
            ]),
        .testTarget(
            // Engine tests run on the engine alone: no web server is built into them or booted.
            name: "BillingEngineTests",
            dependencies: [
                "BillingEngine", "BillingDemo", "BillingStore", "BillingDomain", "Provisioning", "Payments", "EngineTestSupport",
                "PaymentsTestSupport", "ProvisioningTestSupport",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQL", package: "fluent-kit"),
                .product(name: "Logging", package: "swift-log")
            ]),
        .testTarget(
            name: "BillingServerTests",
            dependencies: [
                "BillingServer", "BillingTestSupport", "EngineTestSupport", "Payments", "Provisioning", "ProvisioningTestSupport",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "Fluent", package: "fluent")
            ]),
        // What engine tests need without the web server: the engine on a fresh database per test
        // copied from a migrated template (SQLite or PostgreSQL), and the helpers page tests share.
        .target(
            name: "EngineTestSupport",
            dependencies: [
                "BillingStore", "BillingDomain", "BillingEngine", "Messaging", "Payments", "Provisioning",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log")
            ], path: "Tests/EngineTestSupport"),
        .target(
            name: "BillingTestSupport",
            dependencies: [
                "BillingServer", "EngineTestSupport", "BillingStore", "BillingDomain", "Payments", "PaymentsTestSupport", "Provisioning",
                "Messaging",
                .product(name: "Fluent", package: "fluent")
            ], path: "Tests/BillingTestSupport"),
        // A scripted gateway driver that fails on any call not scripted. (The local HTTP Stripe
        // and YooKassa, which check requests as the real services do, live in PaymentsTests.)
        .target(
            name: "PaymentsTestSupport",
            dependencies: ["Payments", "BillingDomain", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Tests/PaymentsTestSupport"),
        // A processing module that answers only what a test scripted and fails on anything else.
        .target(
            name: "ProvisioningTestSupport",
            dependencies: ["Provisioning", "BillingDomain", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Tests/ProvisioningTestSupport"),
        .testTarget(
            name: "PaymentsTests",
            dependencies: ["Payments", "PaymentsTestSupport", "BillingServer", "BillingDomain", .product(name: "Vapor", package: "vapor")])
    ],
    swiftLanguageModes: [.v6]
)
