import Foundation

/// One byte range of a `Range: bytes=…` header, resolved against the size of what is served
/// (RFC 9110 §14). Several ranges are answered with the whole content (allowed: a server may
/// ignore Range), so no multipart/byteranges is ever produced.
/// Public for the fuzzers (Tests/Fuzz).
public struct HTTPRange: Equatable, Sendable {
    public let offset: UInt64
    public let length: UInt64

    public enum Parsed: Equatable, Sendable {
        /// No usable Range header: send everything (200).
        case whole
        case partial(HTTPRange)
        /// 416 Range Not Satisfiable.
        case unsatisfiable
    }

    public static func parse(_ header: String?, size: UInt64) -> Parsed {
        guard let header, header.hasPrefix("bytes=") else { return .whole }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[..<dash]
        let last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            // "-N": the last N bytes.
            guard let suffix = UInt64(last), suffix > 0 else { return size == 0 ? .whole : .unsatisfiable }
            let length = min(suffix, size)
            return size == 0 ? .unsatisfiable : .partial(HTTPRange(offset: size - length, length: length))
        }
        guard let start = UInt64(first) else { return .whole }
        guard start < size else { return .unsatisfiable }
        if last.isEmpty { return .partial(HTTPRange(offset: start, length: size - start)) }
        guard let end = UInt64(last), end >= start else { return .whole }
        return .partial(HTTPRange(offset: start, length: min(end, size - 1) - start + 1))
    }
}
