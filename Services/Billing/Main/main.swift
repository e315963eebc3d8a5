import Billing
import ServiceRuntime

await ServiceMain.run(BillingApp.self)
