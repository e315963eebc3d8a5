import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import TestSupport

/// A user's webhook endpoint on loopback: records every delivery; answers 500 to the first
/// `failFirst` deliveries, to exercise the retries.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        let id, timestamp, signature: String
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
                $0.append(Delivery(id: request.headers[HTTPField.Name("ImageSwiss-Webhook-Id")!] ?? "",
                                   timestamp: request.headers[HTTPField.Name("ImageSwiss-Webhook-Timestamp")!] ?? "",
                                   signature: request.headers[HTTPField.Name("ImageSwiss-Signature")!] ?? "", body: body))
            }
            return Response(status: .noContent)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        self.task = Task { try await app.runService() }
        try await Task.sleep(for: .milliseconds(200))
    }

    var deliveries: [Delivery] { self.received.withLockedValue { $0 } }

    /// Waits until a delivery matches.
    func wait(timeout: Duration = .seconds(20), _ matches: (Delivery) -> Bool) async throws -> Delivery {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if let found = self.deliveries.first(where: matches) { return found }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSupportError("no matching webhook delivery; got \(self.deliveries.map { String(decoding: $0.body, as: UTF8.self) })")
    }

    /// What a receiver checks: HMAC-SHA256 over "<id>.<timestamp>.<body>" with the webhook's secret.
    static func verify(_ delivery: Delivery, secret: String) -> Bool {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(delivery.id).\(delivery.timestamp).".utf8) + delivery.body,
                                                  using: SymmetricKey(data: Data(secret.utf8)))
        return delivery.signature == "v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    func stop() { self.task.cancel() }
}
