import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import TestSupport

/// A local server that speaks Stripe's Checkout Session endpoint (form-encoded POST
/// /v1/checkout/sessions, bearer secret key, Idempotency-Key) with its error answers, and signs
/// webhook events the way Stripe does, for the payment tests.
final class FakeStripe: Sendable {
    static let secretKey = "sk_test_imageswiss"
    static let webhookSecret = "whsec_imageswiss_test"
    /// A line item of this many cents is declined (402 card_error); this many, Stripe is down (503).
    static let declinedCents = 666
    static let failingCents = 503

    let port: Int
    private let sessions = NIOLockedValueBox([String: String]())  // idempotency key → session id
    private let task: Task<Void, Error>

    var apiBase: String { "http://127.0.0.1:\(self.port)" }

    init() async throws {
        let port = try freePort()
        self.port = port
        let sessions = self.sessions
        let router = Router()
        router.post("/v1/checkout/sessions") { request, _ -> Response in
            guard request.headers[.authorization] == "Bearer \(Self.secretKey)" else {
                return Self.error(401, type: "invalid_request_error", message: "Invalid API Key provided")
            }
            let body = String(buffer: try await request.body.collect(upTo: 65536))
            var form: [String: String] = [:]
            for pair in body.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map {
                    String($0).removingPercentEncoding ?? String($0)
                }
                if parts.count == 2 { form[parts[0]] = parts[1] }
            }
            guard form["mode"] == "payment", let reference = form["client_reference_id"],
                form["metadata[checkout_id]"] == reference,
                let cents = form["line_items[0][price_data][unit_amount]"].flatMap(Int.init), form["success_url"] != nil
            else { return Self.error(400, type: "invalid_request_error", message: "Missing required param") }
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
        self.task = try await LocalHTTPServer.start(router, port: port)
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

    /// A webhook event as Stripe sends it, and its Stripe-Signature header (`t=…,v1=…`).
    static func event(
        id: String, type: String, session: String, paymentStatus: String = "paid", at time: Date = Date(),
        secret: String = FakeStripe.webhookSecret
    ) -> (body: Data, signature: String) {
        let body = Data(
            #"{"id":"\#(id)","object":"event","type":"\#(type)","data":{"object":{"id":"\#(session)","object":"checkout.session","payment_status":"\#(paymentStatus)"}}}"#
                .utf8)
        let timestamp = Int(time.timeIntervalSince1970)
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(timestamp).".utf8) + body, using: SymmetricKey(data: Data(secret.utf8)))
        return (body, "t=\(timestamp),v1=\(mac.map { String(format: "%02x", $0) }.joined())")
    }
}
