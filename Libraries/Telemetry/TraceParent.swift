/// A W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/): which trace a call
/// belongs to and which span made it. `00-<trace-id: 32 hex>-<parent-id: 16 hex>-<flags: 2 hex>`,
/// lowercase, neither id all zeros. The edge accepts a caller's, every RPC carries one in the
/// `trace-id` metadata key, jobs store the one of the request that submitted them, and outbound
/// HTTP sends it as the `traceparent` header.
public struct TraceParent: Sendable, Hashable, CustomStringConvertible {
    public let traceID: String
    public let spanID: String
    public let sampled: Bool

    public init(traceID: String, spanID: String, sampled: Bool = true) {
        self.traceID = traceID
        self.spanID = spanID
        self.sampled = sampled
    }

    /// The header's value parsed, or nil when it breaks the specification's rules (a caller's bad
    /// header starts a new trace rather than failing the request). A version above 00 is read by its
    /// 00 fields, as the specification asks of parsers.
    public init?(_ header: some StringProtocol) {
        let bytes = Array(header.utf8)
        guard bytes.count >= 55, bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"),
            bytes[52] == UInt8(ascii: "-"), bytes.count == 55 || bytes[55] == UInt8(ascii: "-")
        else { return nil }
        let version = bytes[0..<2]
        guard Self.isHex(version), version.elementsEqual("ff".utf8) == false,
            version.elementsEqual("00".utf8) == false || bytes.count == 55
        else { return nil }
        let trace = bytes[3..<35]
        let span = bytes[36..<52]
        let flags = bytes[53..<55]
        guard Self.isHex(trace), Self.isHex(span), Self.isHex(flags),
            trace.contains(where: { $0 != UInt8(ascii: "0") }), span.contains(where: { $0 != UInt8(ascii: "0") })
        else { return nil }
        self.traceID = String(decoding: trace, as: UTF8.self)
        self.spanID = String(decoding: span, as: UTF8.self)
        self.sampled = (Self.nibble(flags[flags.endIndex - 1]) & 1) == 1
    }

    /// The header value: version 00.
    public var header: String { "00-\(self.traceID)-\(self.spanID)-\(self.sampled ? "01" : "00")" }
    public var description: String { self.header }

    /// A new span of this trace.
    public func child() -> TraceParent {
        TraceParent(traceID: self.traceID, spanID: Self.randomID(bytes: 8), sampled: self.sampled)
    }

    /// The first span of a new trace.
    public static func root(sampled: Bool = true) -> TraceParent {
        TraceParent(traceID: Self.randomID(bytes: 16), spanID: Self.randomID(bytes: 8), sampled: sampled)
    }

    /// `bytes` random bytes as lowercase hex, never all zeros.
    static func randomID(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        while true {
            var text = ""
            var zero = true
            for _ in 0..<bytes {
                let byte = UInt8.random(in: 0...255, using: &generator)
                zero = zero && byte == 0
                text += Self.digits[Int(byte >> 4)] + Self.digits[Int(byte & 0x0f)]
            }
            if !zero { return text }
        }
    }

    private static let digits = (0..<16).map { String($0, radix: 16) }

    private static func isHex(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
        }
    }

    private static func nibble(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "a") ? byte - UInt8(ascii: "a") + 10 : byte - UInt8(ascii: "0")
    }
}
