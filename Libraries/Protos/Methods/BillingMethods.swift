import RPC

/// The calls of imageswiss.billing.v1.Billing. Reads are idempotent; writes carry idempotency keys
/// (required), so the client may retry them too: a retry returns the first answer.
public enum BillingMethods {
    private static func method<Request, Response>(_ name: String, idempotent: Bool = true) -> RPCMethod<
        Request, Response
    > {
        RPCMethod("\(ServiceNames.billing)/\(name)", idempotent: idempotent)
    }

    public static let getBalance: RPCMethod<BillingGetBalanceRequest, BillingBalance> = method("GetBalance")
    public static let quote: RPCMethod<BillingQuoteRequest, BillingPriceQuote> = method("Quote")
    public static let placeHold: RPCMethod<BillingHoldRequest, BillingHold> = method("PlaceHold")
    public static let capture: RPCMethod<BillingCaptureRequest, BillingHold> = method("Capture")
    public static let release: RPCMethod<BillingReleaseRequest, BillingHold> = method("Release")
    /// Many PlaceHold calls of one caller in one transaction; each item answered (or refused) on its own.
    public static let placeHolds: RPCMethod<BillingPlaceHoldsRequest, BillingHoldOutcomes> = method("PlaceHolds")
    /// Many Capture and Release calls of one caller in one transaction; each item answered on its own.
    public static let settleHolds: RPCMethod<BillingSettleHoldsRequest, BillingHoldOutcomes> = method("SettleHolds")
    public static let getHold: RPCMethod<BillingGetHoldRequest, BillingHold> = method("GetHold")
    public static let spend: RPCMethod<BillingSpendRequest, BillingHold> = method("Spend")
    public static let history: RPCMethod<BillingHistoryRequest, BillingHistoryResponse> = method("History")
    public static let listPacks: RPCMethod<BillingListPacksRequest, BillingListPacksResponse> = method("ListPacks")
    public static let createCheckout: RPCMethod<BillingCheckoutRequest, BillingCheckout> = method("CreateCheckout")
    public static let getCheckout: RPCMethod<BillingGetCheckoutRequest, BillingCheckout> = method("GetCheckout")
    public static let completeLocalCheckout: RPCMethod<BillingCompleteLocalCheckoutRequest, BillingCheckout> = method(
        "CompleteLocalCheckout")
    /// Applied at most once per event id, so safe to repeat.
    public static let handleStripeWebhook: RPCMethod<BillingStripeWebhookRequest, BillingStripeWebhookResponse> =
        method("HandleStripeWebhook")
    public static let listReceipts: RPCMethod<BillingListReceiptsRequest, BillingListReceiptsResponse> = method(
        "ListReceipts")
    public static let listTiers: RPCMethod<BillingListTiersRequest, BillingListTiersResponse> = method("ListTiers")
    public static let getSubscription: RPCMethod<BillingGetSubscriptionRequest, BillingSubscription> = method(
        "GetSubscription")
    public static let changeSubscription: RPCMethod<BillingChangeSubscriptionRequest, BillingSubscription> = method(
        "ChangeSubscription")
    public static let createPortalSession: RPCMethod<BillingPortalSessionRequest, BillingPortalSession> = method(
        "CreatePortalSession")
    public static let listInvoices: RPCMethod<BillingListInvoicesRequest, BillingListInvoicesResponse> = method(
        "ListInvoices")
    public static let getInvoicePDF: RPCMethod<BillingGetInvoicePDFRequest, BillingInvoicePDF> = method("GetInvoicePDF")
    public static let getProfile: RPCMethod<BillingGetProfileRequest, BillingProfile> = method("GetProfile")
    public static let setProfile: RPCMethod<BillingProfile, BillingProfile> = method("SetProfile")
    public static let getLowBalanceAlert: RPCMethod<BillingGetLowBalanceAlertRequest, BillingLowBalanceAlert> = method(
        "GetLowBalanceAlert")
    public static let setLowBalanceAlert: RPCMethod<BillingSetLowBalanceAlertRequest, BillingLowBalanceAlert> = method(
        "SetLowBalanceAlert")
    public static let getTaxRates: RPCMethod<BillingGetTaxRatesRequest, BillingTaxRates> = method("GetTaxRates")
    public static let setTaxRates: RPCMethod<BillingSetTaxRatesRequest, BillingTaxRates> = method("SetTaxRates")
    public static let getUsage: RPCMethod<BillingUsageRequest, BillingUsage> = method("GetUsage")
    public static let getTier: RPCMethod<BillingGetTierRequest, BillingTier> = method("GetTier")
    public static let getCreditNotePDF: RPCMethod<BillingGetCreditNotePDFRequest, BillingInvoicePDF> = method(
        "GetCreditNotePDF", idempotent: true)
    public static let refundInvoice: RPCMethod<BillingRefundInvoiceRequest, BillingCreditNote> = method(
        "RefundInvoice")
    public static let getSpenders: RPCMethod<BillingGetSpendersRequest, BillingGetSpendersResponse> = method(
        "GetSpenders", idempotent: true)
    public static let getPriceList: RPCMethod<BillingGetPriceListRequest, BillingPriceList> = method("GetPriceList")
    public static let setPriceList: RPCMethod<BillingSetPriceListRequest, BillingPriceList> = method("SetPriceList")
    public static let getCatalogue: RPCMethod<BillingGetCatalogueRequest, BillingCatalogue> = method("GetCatalogue")
    public static let setCatalogue: RPCMethod<BillingSetCatalogueRequest, BillingCatalogue> = method("SetCatalogue")
    public static let grant: RPCMethod<BillingGrantRequest, BillingEntry> = method("Grant")
    public static let getReport: RPCMethod<BillingReportRequest, BillingReport> = method("GetReport")
    public static let listEvents: RPCMethod<BillingListEventsRequest, BillingListEventsResponse> = method("ListEvents")
}
