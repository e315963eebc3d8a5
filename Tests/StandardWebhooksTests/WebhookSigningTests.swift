import Foundation
import StandardWebhooks
import Testing

/// Standard Webhooks signing against the specification's published vector, and a receiver's checks.
@Suite struct WebhookSigningTests {
    // The vector of the specification's reference libraries.
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let timestamp: Int64 = 1_614_265_330
    static let body = Array(#"{"test": 2432232314}"#.utf8)

    @Test func thePublishedVectorPasses() throws {
        let key = try #require(WebhookSigning.key(of: Self.secret))
        #expect(
            WebhookSigning.signature(key: key, id: Self.id, timestamp: Self.timestamp, body: Self.body)
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        // The prefix is optional for receivers' libraries; the same key either way.
        #expect(WebhookSigning.key(of: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == key)
    }

    @Test func receiversAcceptAnyOfSeveralSignaturesWithinTheTolerance() throws {
        let now = Date(timeIntervalSince1970: Double(Self.timestamp))
        let newer = WebhookSigning.newSecret()
        let header = WebhookSigning.header(
            secrets: [newer, Self.secret], id: Self.id, timestamp: Self.timestamp, body: Self.body)
        #expect(header.split(separator: " ").count == 2 && header.hasPrefix("v1,"))
        for secret in [newer, Self.secret] {
            #expect(
                WebhookSigning.verify(
                    secret: secret, id: Self.id, timestamp: "\(Self.timestamp)", signatures: header, body: Self.body,
                    now: now))
        }
        #expect(
            !WebhookSigning.verify(
                secret: WebhookSigning.newSecret(), id: Self.id, timestamp: "\(Self.timestamp)", signatures: header,
                body: Self.body, now: now), "another secret")
        #expect(
            !WebhookSigning.verify(
                secret: Self.secret, id: Self.id, timestamp: "\(Self.timestamp)", signatures: header,
                body: Self.body + [0x20], now: now), "another body")
        #expect(
            !WebhookSigning.verify(
                secret: Self.secret, id: Self.id, timestamp: "\(Self.timestamp)", signatures: header,
                body: Self.body, now: now.addingTimeInterval(301)), "outside the five minutes")
        #expect(
            !WebhookSigning.verify(
                secret: Self.secret, id: Self.id, timestamp: "soon", signatures: header, body: Self.body, now: now))
    }

    @Test func newSecretsAreStandardAndSecretsOfBeforeStillDecode() throws {
        let secret = WebhookSigning.newSecret()
        #expect(secret.hasPrefix("whsec_") && WebhookSigning.key(of: secret)?.count == 24)
        // Made before the standard: base64url, no padding.
        #expect(WebhookSigning.key(of: "whsec_-_8AAQIDBAUGBwgJCgsMDQ4PEBESExQV")?.prefix(2) == Data([0xFB, 0xFF]))
    }
}
