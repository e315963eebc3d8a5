import HTTPTypes
import Hummingbird
import ServiceRuntime

/// Every request's id: the caller's `X-Request-Id` when it is a sane token, else the one
/// Hummingbird gave the request's logger (a per-process random prefix and a counter, in hex).
/// FrontDoorMiddleware echoes it in the answer; it is in the request's logger metadata, where every
/// log line and every RPC call of the request (`RequestContext.requestID`) picks it up. Keeping
/// Hummingbird's id spares every request a second metadata key (docs/performance.md, "Edge /me").
enum RequestID {
    static let header = HTTPField.Name("X-Request-Id")!
    static let metadataKey = LogKeys.hummingbirdRequestID

    /// The caller's own id, when it sent an acceptable one.
    static func supplied(by request: Request) -> String? {
        request.headers[Self.header].flatMap { Self.isAcceptable($0) ? $0 : nil }
    }

    /// Up to 128 characters of letters, digits, '-', '_' and '.': nothing that could forge a log line.
    static func isAcceptable(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
    }
}

extension RequestContext {
    /// The request's id (RequestID), to pass on in RPC metadata.
    var requestID: String? { self.logger[metadataKey: RequestID.metadataKey].map { "\($0)" } }
}
