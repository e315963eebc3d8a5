import ServiceRuntime

// Billing: the credit ledger, holds, prices, purchases. This version serves health on its schema.
await ServiceMain.run(ServiceCatalog.billing, migrations: BillingSchema.migrations)
