import Foundation
import HTTPTypes
import Hummingbird

/// The IETF draft's `Idempotency-Key` header, which every mutating route passes to the service
/// that owns the change (the services keep and expire the keys; the edge only forwards them).
enum Idempotency {
    static let header = HTTPField.Name("Idempotency-Key")!

    /// The client's key, or "" (the service then treats the call as new).
    static func key(_ request: Request) -> String { request.headers[Self.header] ?? "" }

    /// The client's key, or a fresh one (then a retry is a new request).
    static func keyOrFresh(_ request: Request) -> String { request.headers[Self.header] ?? UUID().uuidString }
}
