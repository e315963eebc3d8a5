import NIOCore

/// A streaming multipart/form-data parser (RFC 7578): fed the body as it arrives, it reports each
/// part's headers, its bytes and its end, holding no more than one incoming buffer plus the few
/// bytes that might begin a boundary. Part headers are capped at 16 KiB. Public for the fuzzers.
public struct MultipartReader {
    public enum Event: Equatable {
        case partBegin(name: String, filename: String?)
        case data([UInt8])
        case partEnd
    }

    public struct Malformed: Error { public let reason: String }

    /// `delimiter`: a part ended at the start of the buffer; what follows its delimiter ("--" or CRLF)
    /// has not all arrived.
    private enum State { case preamble, headers, body, delimiter, done }

    private let delimiter: [UInt8]  // "\r\n--boundary"
    private var buffer: [UInt8] = []
    private var state = State.preamble
    static let maxHeaderBytes = 16 << 10

    public init(boundary: String) {
        self.delimiter = Array("\r\n--\(boundary)".utf8)
        // The first boundary may open the body without a CRLF before it.
        self.buffer = Array("\r\n".utf8)
    }

    public var isComplete: Bool { self.state == .done }

    /// The boundary parameter of a multipart/form-data Content-Type, if that is what it is.
    public static func boundary(contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for part in parts.dropFirst() where part.lowercased().hasPrefix("boundary=") {
            var value = String(part.dropFirst(9))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    public mutating func feed(_ bytes: ByteBuffer) throws -> [Event] {
        self.buffer += bytes.readableBytesView
        var events: [Event] = []
        var progress = true
        while progress {
            progress = false
            switch self.state {
            case .preamble:
                guard let at = self.find(self.delimiter) else {
                    // Keep only what could still be the start of the first boundary.
                    if self.buffer.count > self.delimiter.count {
                        self.buffer.removeFirst(self.buffer.count - self.delimiter.count)
                    }
                    break
                }
                progress = try self.afterDelimiter(at, events: &events)
            case .headers:
                guard let end = self.find(Array("\r\n\r\n".utf8)) else {
                    if self.buffer.count > Self.maxHeaderBytes {
                        throw Malformed(reason: "part headers larger than 16 KiB")
                    }
                    break
                }
                let text = String(decoding: self.buffer[..<end], as: UTF8.self)
                self.buffer.removeFirst(end + 4)
                events.append(try Self.partBegin(headers: text))
                self.state = .body
                progress = true
            case .body:
                if let at = self.find(self.delimiter) {
                    // The part's bytes and its end are reported once, even when what follows the
                    // delimiter arrives in a later buffer.
                    if at > 0 { events.append(.data(Array(self.buffer[..<at]))) }
                    events.append(.partEnd)
                    self.buffer.removeFirst(at)
                    self.state = .delimiter
                    progress = true
                } else if self.buffer.count > self.delimiter.count {
                    // Everything but a possible partial delimiter at the end is content.
                    let safe = self.buffer.count - self.delimiter.count
                    events.append(.data(Array(self.buffer[..<safe])))
                    self.buffer.removeFirst(safe)
                }
            case .delimiter:
                progress = try self.afterDelimiter(0, events: &events)
            case .done:
                self.buffer.removeAll()
            }
        }
        return events
    }

    /// After a delimiter: "--" closes the body, CRLF opens the next part's headers.
    private mutating func afterDelimiter(_ at: Int, events: inout [Event]) throws -> Bool {
        let after = at + self.delimiter.count
        guard self.buffer.count >= after + 2 else { return false }
        let marker = Array(self.buffer[after..<after + 2])
        if marker == Array("--".utf8) {
            self.state = .done
            self.buffer.removeAll()
            return false
        }
        // Transport padding (spaces or tabs) may follow a boundary before its CRLF.
        var index = after
        while index < self.buffer.count, self.buffer[index] == 0x20 || self.buffer[index] == 0x09 { index += 1 }
        guard self.buffer.count >= index + 2 else { return false }
        guard self.buffer[index] == 0x0D, self.buffer[index + 1] == 0x0A else {
            throw Malformed(reason: "a boundary is not followed by CRLF")
        }
        self.buffer.removeFirst(index + 2)
        self.state = .headers
        return true
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard self.buffer.count >= needle.count else { return nil }
        let first = needle[0]
        var index = 0
        let last = self.buffer.count - needle.count
        return self.buffer.withUnsafeBufferPointer { haystack in
            while index <= last {
                if haystack[index] == first {
                    var matches = true
                    for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                        matches = false
                        break
                    }
                    if matches { return index }
                }
                index += 1
            }
            return nil
        }
    }

    private static func partBegin(headers: String) throws -> Event {
        for line in headers.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "content-disposition" else {
                continue
            }
            let value = line[line.index(after: colon)...]
            let parameters = Self.parameters(String(value))
            guard let name = parameters["name"] else { throw Malformed(reason: "a part has no name") }
            return .partBegin(name: name, filename: parameters["filename"])
        }
        throw Malformed(reason: "a part has no Content-Disposition")
    }

    /// `form-data; name="file"; filename="a b.jpg"` → ["name": "file", "filename": "a b.jpg"].
    static func parameters(_ value: String) -> [String: String] {
        var result: [String: String] = [:]
        var rest = Substring(value)
        while let semicolon = rest.firstIndex(of: ";") {
            rest = rest[rest.index(after: semicolon)...].drop { $0 == " " || $0 == "\t" }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            var parsed = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let c = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        parsed.append(c)
                        escaped = false
                    } else if c == "\\" {
                        escaped = true
                    } else if c == "\"" {
                        break
                    } else {
                        parsed.append(c)
                    }
                }
            } else {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                parsed = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            result[key] = parsed
        }
        return result
    }
}
