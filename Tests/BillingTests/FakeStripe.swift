import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import TestSupport

/// A local server that speaks Stripe's endpoints Billing calls — Checkout Sessions in payment and
/// subscription mode (form-encoded, bearer secret key, Idempotency-Key), subscription updates and
/// cancellations, customer portal sessions — with their error answers, and signs webhook events the
/// way Stripe does, for the payment tests.
final class FakeStripe: Sendable {
    static let secretKey = "sk_test_imageswiss"
    static let webhookSecret = "whsec_imageswiss_test"
    /// A line item of this many cents is declined (402 card_error); this many, Stripe is down (503).
    static let declinedCents = 666
    static let failingCents = 503
    /// What every PaymentIntent here was paid: the refunds of one add up to at most this.
    static let paymentIntentCents = 499

    let port: Int
    private let sessions = NIOLockedValueBox([String: String]())  // idempotency key → session id
    /// Every subscription and portal call, "METHOD path form" (the form's pairs sorted).
    let calls = NIOLockedValueBox([String]())
    private let task: Task<Void, Error>

    var apiBase: String { "http://127.0.0.1:\(self.port)" }

    init() async throws {
        let port = try freePort()
        self.port = port
        let sessions = self.sessions
        let calls = self.calls
        let router = Router()
        router.post("/v1/checkout/sessions") { request, _ -> Response in
            guard let form = try await Self.form(request) else {
                return Self.error(401, type: "invalid_request_error", message: "Invalid API Key provided")
            }
            let subscription =
                form["mode"] == "subscription"
                && form["subscription_data[metadata][account_id]"] == form["client_reference_id"]
                && form["subscription_data[metadata][tier]"] != nil
                && ["month", "year"].contains(form["line_items[0][price_data][recurring][interval]"] ?? "")
            let payment = form["mode"] == "payment" && form["metadata[checkout_id]"] == form["client_reference_id"]
            guard subscription || payment, form["client_reference_id"] != nil,
                let cents = form["line_items[0][price_data][unit_amount]"].flatMap(Int.init), form["success_url"] != nil
            else { return Self.error(400, type: "invalid_request_error", message: "Missing required param") }
            if subscription {
                calls.withLockedValue { $0.append(Self.describe("POST", "/v1/checkout/sessions", form)) }
            }
            if cents == Self.declinedCents {
                return Self.error(402, type: "card_error", message: "Your card was declined.")
            }
            if cents == Self.failingCents { return Self.error(503, type: "api_error", message: "Service unavailable") }
            let key = request.headers[HTTPField.Name("Idempotency-Key")!] ?? UUID().uuidString
            let id = sessions.withLockedValue { sessions in
                if let existing = sessions[key] { return existing }
                let id = "cs_test_\(UUID().uuidString.prefix(12))"
                sessions[key] = id
                return id
            }
            let json =
                #"{"id":"\#(id)","object":"checkout.session","url":"https://checkout.stripe.test/c/pay/\#(id)","payment_status":"unpaid"}"#
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        router.post("/v1/subscriptions/:id") { request, context -> Response in
            guard let form = try await Self.form(request) else {
                return Self.error(401, type: "invalid_request_error", message: "Invalid API Key provided")
            }
            let id = try context.parameters.require("id")
            guard id.hasPrefix("sub_") else {
                return Self.error(404, type: "invalid_request_error", message: "No such subscription: '\(id)'")
            }
            calls.withLockedValue { $0.append(Self.describe("POST", "/v1/subscriptions/\(id)", form)) }
            return Self.json(
                ["id": id, "object": "subscription", "cancel_at_period_end": form["cancel_at_period_end"] == "true"])
        }
        // A subscription's one item (its price is what a plan change replaces).
        router.get("/v1/subscriptions/:id") { request, context -> Response in
            guard try await Self.form(request) != nil else {
                return Self.error(401, type: "invalid_request_error", message: "Invalid API Key provided")
            }
            let id = try context.parameters.require("id")
            guard id.hasPrefix("sub_") else {
                return Self.error(404, type: "invalid_request_error", message: "No such subscription: '\(id)'")
            }
            return Self.json([
                "id": id, "object": "subscription",
                "items": ["object": "list", "data": [["id": "si_\(id.dropFirst(4))", "object": "subscription_item"]]],
            ])
        }
        router.post("/v1/products") { request, _ -> Response in
            guard let form = try await Self.form(request) else {
                return Self.error(401, type: "invalid_request_error", message: "Invalid API Key provided")
            }
            guard let name = form["name"], !name.isEmpty else {
                return Self.error(400, type: "invalid_request_error", message: "Missing required param: name")
            }
            calls.withLockedValue { $0.append(Self.describe("POST", "/v1/products", form)) }
            return Self.json(["id": "prod_\(name.split(separator: " ").last ?? "")", "object": "product", "name": name])
        }
        router.delete("/v1/subscriptions/:id") { request, context -> Response in
            guard try await Self.form(request) != nil else {
                return Self.error(401, type: "invalid_request_error", message: "Invalid API Key provided")
            }
            let id = try context.parameters.require("id")
            calls.withLockedValue { $0.append("DELETE /v1/subscriptions/\(id)") }
            return Self.json(["id": id, "object": "subscription", "status": "canceled"])
        }
        // Refunds of a PaymentIntent: at most what it was paid (FakeStripe.paymentIntentCents), the
        // same Idempotency-Key answering the same refund.
        let refunds = NIOLockedValueBox([String: (id: String, amount: Int)]())
        router.post("/v1/refunds") { request, _ -> Response in
            guard let form = try await Self.form(request) else {
                return Self.error(401, type: "invalid_request_error", message: "Invalid API Key provided")
            }
            guard let intent = form["payment_intent"], intent.hasPrefix("pi_"),
                let amount = form["amount"].flatMap(Int.init), amount > 0
            else {
                return Self.error(400, type: "invalid_request_error", message: "Missing required param: payment_intent")
            }
            calls.withLockedValue { $0.append(Self.describe("POST", "/v1/refunds", form)) }
            let key = request.headers[HTTPField.Name("Idempotency-Key")!] ?? UUID().uuidString
            let answer: (id: String, amount: Int)? = refunds.withLockedValue { refunds in
                if let existing = refunds[key] { return existing }
                let refunded = refunds.values.filter { $0.id.hasSuffix(intent) }.reduce(0) { $0 + $1.amount }
                guard refunded + amount <= Self.paymentIntentCents else { return nil }
                let refund = (id: "re_\(refunds.count)_\(intent)", amount: amount)
                refunds[key] = refund
                return refund
            }
            guard let answer else {
                return Self.error(
                    400, type: "invalid_request_error",
                    message: "Refund amount is greater than unrefunded amount on charge")
            }
            return Self.json([
                "id": answer.id, "object": "refund", "amount": answer.amount, "payment_intent": intent,
                "status": "succeeded",
            ])
        }
        router.post("/v1/billing_portal/sessions") { request, _ -> Response in
            guard let form = try await Self.form(request) else {
                return Self.error(401, type: "invalid_request_error", message: "Invalid API Key provided")
            }
            guard let customer = form["customer"], customer.hasPrefix("cus_"), form["return_url"] != nil else {
                return Self.error(400, type: "invalid_request_error", message: "No such customer")
            }
            calls.withLockedValue { $0.append(Self.describe("POST", "/v1/billing_portal/sessions", form)) }
            return Self.json([
                "id": "bps_\(customer.dropFirst(4))", "object": "billing_portal.session",
                "url": "https://billing.stripe.test/p/session/\(customer)",
            ])
        }
        self.task = try await LocalHTTPServer.start(router, port: port)
    }

    /// The request's form, or nil when the secret key is not Stripe's bearer credential.
    private static func form(_ request: Request) async throws -> [String: String]? {
        guard request.headers[.authorization] == "Bearer \(Self.secretKey)" else { return nil }
        let body = String(buffer: try await request.body.collect(upTo: 65536))
        var form: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).removingPercentEncoding ?? String($0)
            }
            if parts.count == 2 { form[parts[0]] = parts[1] }
        }
        return form
    }

    private static func describe(_ method: String, _ path: String, _ form: [String: String]) -> String {
        "\(method) \(path) " + form.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    private static func json(_ object: [String: Any]) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))))
    }

    func stop() { self.task.cancel() }

    /// Billing's settings for this server.
    var environment: [String: String] {
        [
            "BILLING_PAYMENT_PROVIDER": "stripe", "BILLING_STRIPE_API_BASE": self.apiBase,
            "BILLING_STRIPE_SECRET_KEY": Self.secretKey, "BILLING_STRIPE_WEBHOOK_SECRET": Self.webhookSecret,
        ]
    }

    private static func error(_ status: Int, type: String, message: String) -> Response {
        let json = #"{"error":{"type":"\#(type)","message":"\#(message)"}}"#
        return Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// A Checkout Session event as Stripe sends it, and its Stripe-Signature header (`t=…,v1=…`).
    static func event(
        id: String, type: String, session: String, paymentStatus: String = "paid", at time: Date = Date(),
        secret: String = FakeStripe.webhookSecret
    ) -> (body: Data, signature: String) {
        Self.event(
            id: id, type: type,
            object: [
                "id": session, "object": "checkout.session", "payment_status": paymentStatus,
                "payment_intent": "pi_\(session)",
            ], at: time,
            secret: secret)
    }

    /// An invoice of a subscription, shaped as Stripe's current API sends it: the subscription and
    /// its metadata under `parent.subscription_details`, the period on its line.
    static func invoice(
        _ id: String, subscription: String, account: String, tier: String, interval: String = "month",
        cents: Int, periodEnd: Date
    ) -> [String: Any] {
        [
            "id": id, "object": "invoice", "customer": "cus_\(account.prefix(8))", "amount_paid": cents,
            "billing_reason": "subscription_cycle",
            "parent": [
                "type": "subscription_details",
                "subscription_details": [
                    "subscription": subscription,
                    "metadata": ["account_id": account, "tier": tier, "interval": interval],
                ],
            ],
            "lines": ["object": "list", "data": [["period": ["end": Int(periodEnd.timeIntervalSince1970)]]]],
        ]
    }

    /// Any event with `object` as its data.object, signed.
    static func event(
        id: String, type: String, object: [String: Any], at time: Date = Date(),
        secret: String = FakeStripe.webhookSecret
    ) -> (body: Data, signature: String) {
        let body = try! JSONSerialization.data(
            withJSONObject: ["id": id, "object": "event", "type": type, "data": ["object": object]])
        let timestamp = Int(time.timeIntervalSince1970)
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(timestamp).".utf8) + body, using: SymmetricKey(data: Data(secret.utf8)))
        return (body, "t=\(timestamp),v1=\(mac.map { String(format: "%02x", $0) }.joined())")
    }
}
