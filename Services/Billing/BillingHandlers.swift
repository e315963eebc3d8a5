import ImageSwissProtos
import RPC
import ServiceRuntime

/// Billing's RPC handlers: each reads the caller from the metadata and hands over to BillingService.
struct BillingHandlers: Sendable {
    let billing: BillingService

    func register(in router: inout RPCRouter) {
        let billing = self.billing
        router.register(BillingMethods.getBalance) { _, context in
            try await billing.balance(try RPCCaller(context.metadata))
        }
        router.register(BillingMethods.quote) { request, context in
            try await billing.quote(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.placeHold) { request, context in
            CreditMetrics.held(try await billing.placeHold(try RPCCaller(context.metadata), request))
        }
        router.register(BillingMethods.capture) { request, context in
            CreditMetrics.settled(try await billing.capture(try RPCCaller(context.metadata), request))
        }
        router.register(BillingMethods.release) { request, context in
            CreditMetrics.settled(try await billing.release(try RPCCaller(context.metadata), request))
        }
        router.register(BillingMethods.placeHolds) { request, context in
            let outcomes = try await billing.placeHolds(try RPCCaller(context.metadata), request)
            for outcome in outcomes.outcomes where outcome.hasHold { _ = CreditMetrics.held(outcome.hold) }
            return outcomes
        }
        router.register(BillingMethods.settleHolds) { request, context in
            let outcomes = try await billing.settleHolds(try RPCCaller(context.metadata), request)
            for outcome in outcomes.outcomes where outcome.hasHold { _ = CreditMetrics.settled(outcome.hold) }
            return outcomes
        }
        router.register(BillingMethods.getHold) { request, context in
            try await billing.getHold(try RPCCaller(context.metadata), request.holdID)
        }
        router.register(BillingMethods.spend) { request, context in
            CreditMetrics.settled(CreditMetrics.held(try await billing.spend(try RPCCaller(context.metadata), request)))
        }
        router.register(BillingMethods.history) { request, context in
            try await billing.history(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.listPacks) { _, _ in try await billing.packs() }
        router.register(BillingMethods.createCheckout) { request, context in
            try await billing.createCheckout(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.getCheckout) { request, context in
            try await billing.getCheckout(try RPCCaller(context.metadata), request.checkoutID)
        }
        router.register(BillingMethods.completeLocalCheckout) { request, context in
            try await billing.completeLocal(try RPCCaller(context.metadata), request.checkoutID)
        }
        // No caller: Stripe calls the edge, and the signature is the credential.
        router.register(BillingMethods.handleStripeWebhook) { request, _ in
            try await billing.handleStripeWebhook(request)
        }
        router.register(BillingMethods.listReceipts) { request, context in
            try await billing.receipts(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.listTiers) { _, _ in try await billing.tiers() }
        router.register(BillingMethods.getSubscription) { _, context in
            try await billing.subscription(try RPCCaller(context.metadata))
        }
        router.register(BillingMethods.changeSubscription) { request, context in
            try await billing.changeSubscription(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.createPortalSession) { request, context in
            try await billing.portal(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.listInvoices) { request, context in
            try await billing.invoices(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.getInvoicePDF) { request, context in
            try await billing.invoicePDF(try RPCCaller(context.metadata), request.invoiceID)
        }
        router.register(BillingMethods.getProfile) { _, context in
            try await billing.profile(try RPCCaller(context.metadata))
        }
        router.register(BillingMethods.getLowBalanceAlert) { _, context in
            try await billing.lowBalanceAlert(try RPCCaller(context.metadata))
        }
        router.register(BillingMethods.setLowBalanceAlert) { request, context in
            try await billing.setLowBalanceAlert(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.setProfile) { request, context in
            try await billing.setProfile(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.getTaxRates) { _, _ in try await billing.taxRates() }
        router.register(BillingMethods.setTaxRates) { request, context in
            try await billing.setTaxRates(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.getUsage) { request, context in
            try await billing.usage(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.getTier) { _, context in
            try await billing.tier(of: try RPCCaller(context.metadata))
        }
        router.register(BillingMethods.refundInvoice) { request, context in
            try await billing.refundInvoice(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.getCreditNotePDF) { request, context in
            try await billing.creditNotePDF(try RPCCaller(context.metadata), request.creditNoteID)
        }
        router.register(BillingMethods.getSpenders) { _, context in
            try await billing.spenders(try RPCCaller(context.metadata))
        }
        router.register(BillingMethods.getPriceList) { _, _ in try await billing.priceList() }
        router.register(BillingMethods.setPriceList) { request, context in
            try await billing.setPriceList(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.getCatalogue) { _, _ in try await billing.catalogue() }
        router.register(BillingMethods.setCatalogue) { request, context in
            try await billing.setCatalogue(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.grant) { request, context in
            try await billing.grant(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.getReport) { request, context in
            try await billing.report(try RPCCaller(context.metadata), request)
        }
        router.register(BillingMethods.listEvents) { request, context in
            try await billing.events(try RPCCaller(context.metadata), request)
        }
    }
}
