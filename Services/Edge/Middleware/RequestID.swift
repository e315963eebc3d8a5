import HTTPTypes
import Hummingbird
import Synchronization

/// Every request's id: the caller's `X-Request-Id` when it is a sane token, a new one otherwise.
/// FrontDoorMiddleware echoes it in the answer and puts it in the request's logger metadata, where
/// every log line and every RPC call of the request (`RequestContext.requestID`) picks it up.
enum RequestID {
    static let header = HTTPField.Name("X-Request-Id")!
    static let metadataKey = "request-id"

    static func id(of request: Request) -> String {
        request.headers[Self.header].flatMap { Self.isAcceptable($0) ? $0 : nil } ?? Self.next()
    }

    /// This process's random 64-bit prefix and a counter: unique across processes and restarts
    /// without drawing a random UUID per request (docs/performance.md, "Edge /me").
    static func next() -> String {
        Self.prefix + String(Self.counter.wrappingAdd(1, ordering: .relaxed).newValue, radix: 16)
    }

    private static let prefix: String = {
        let digits = String(UInt64.random(in: .min ... .max), radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits + "-"
    }()
    private static let counter = Atomic<UInt64>(0)

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
    /// The id FrontDoorMiddleware settled on for this request, to pass on in RPC metadata.
    var requestID: String? { self.logger[metadataKey: RequestID.metadataKey].map { "\($0)" } }
}
