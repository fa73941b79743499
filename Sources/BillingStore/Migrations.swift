import FluentKit

/// Every migration, in the order they run. Append only: a released migration is never edited,
/// a change is a new migration with its own `revert`.
public enum BillingMigrations {
    public static var all: [any Migration] {
        [
            CreateAccounts(),
            CreateUsers(),
            CreateStaffUsers(),
            CreateWebSessions(),
            CreateAPITokens(),
            CreateLedgerTransactions(),
            CreateLedgerEntries(),
            MakeLedgerAppendOnly(),
            CreateEmailOutbox(),
            CreatePasswordResets(),
            CreateLoginFailures(),
            CreateAppSettings(),
            CreateCatalogPlans(),
            CreateCatalogAddons(),
            CreateCatalogPrices(),
            CreatePromoCodes(),
            CreatePromoRedemptions(),
            CreateOrders(),
            CreateOrderItems(),
            CreateServices(),
            CreateServiceEvents(),
            CreateExpenses(),
            CreateScheduledJobs(),
            CreateCurrencyRates(),
            AddDedupeKeyToEmailOutbox(),
            CreatePaymentMethods(),
            CreatePayers(),
            CreatePayments(),
            CreateRefunds(),
            CreateSavedMethods(),
            CreateGatewayEvents(),
            CreateAutopaySettings(),
            AddSavedMethodToServices(),
            CreateAPIIdempotency(),
            CreateStaffAPITokens(),
            AddEmailConfirmationToUsers(),
            AddDeliveryToEmailOutbox(),
            AddTranslationsToCatalog(),
            AddTextToLedgerTransactions(),
            CreateClientBalances(),
            AddRenewalQueueIndex(),
            CreateJobs(),
            AddProcessingModuleToPlans(),
            MoveMailOntoJobs()
        ]
    }
}
