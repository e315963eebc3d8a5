import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import StandardWebhooks
import TestSupport

/// A user's webhook endpoint on loopback: records every delivery; answers 500 to the first
/// `failFirst` deliveries, to exercise the retries.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        /// The Standard Webhooks headers, the deprecated ImageSwiss-Signature, the Host asked for and
        /// the W3C `traceparent` ("" without one).
        let id, timestamp, signature, legacySignature, host, traceParent: String
        let body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: self.body) as? [String: Any]) ?? [:] }
    }

    let port: Int
    private let received = NIOLockedValueBox([Delivery]())
    private let task: Task<Void, Error>
    var url: String { "http://127.0.0.1:\(self.port)/hooks" }

    init(failFirst: Int = 0) async throws {
        let port = try freePort()
        self.port = port
        let received = self.received
        let failures = NIOLockedValueBox(failFirst)
        let router = Router()
        router.post("/hooks") { request, _ -> Response in
            let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
            let fail = failures.withLockedValue { left -> Bool in
                defer { left -= 1 }
                return left > 0
            }
            if fail { return Response(status: .internalServerError) }
            received.withLockedValue {
                $0.append(
                    Delivery(
                        id: request.headers[HTTPField.Name("webhook-id")!] ?? "",
                        timestamp: request.headers[HTTPField.Name("webhook-timestamp")!] ?? "",
                        signature: request.headers[HTTPField.Name("webhook-signature")!] ?? "",
                        legacySignature: request.headers[HTTPField.Name("ImageSwiss-Signature")!] ?? "",
                        host: request.head.authority ?? "",
                        traceParent: request.headers[HTTPField.Name("traceparent")!] ?? "", body: body))
            }
            return Response(status: .noContent)
        }
        self.task = try await LocalHTTPServer.start(router, port: port)
    }

    var deliveries: [Delivery] { self.received.withLockedValue { $0 } }

    /// Waits until a delivery matches.
    func wait(timeout: Duration = .seconds(20), _ matches: (Delivery) -> Bool) async throws -> Delivery {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if let found = self.deliveries.first(where: matches) { return found }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSupportError(
            "no matching webhook delivery; got \(self.deliveries.map { String(decoding: $0.body, as: UTF8.self) })")
    }

    /// What a receiver checks (Standard Webhooks): one of the `v1,` signatures is the secret's.
    static func verify(_ delivery: Delivery, secret: String) -> Bool {
        WebhookSigning.verify(
            secret: secret, id: delivery.id, timestamp: delivery.timestamp, signatures: delivery.signature,
            body: Array(delivery.body))
    }

    /// The deprecated scheme, still sent: hex HMAC-SHA256 keyed by the secret's text.
    static func verifyLegacy(_ delivery: Delivery, secret: String) -> Bool {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(delivery.id).\(delivery.timestamp).".utf8) + delivery.body,
            using: SymmetricKey(data: Data(secret.utf8)))
        return delivery.legacySignature == "v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    func stop() { self.task.cancel() }
}
