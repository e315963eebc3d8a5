import Foundation

/// PostgreSQL array values as text: text[] both ways (scopes, throttle keys, blob ids), bigint[] and
/// bytea[] literals for batch statements.
public enum PostgresTextArray {
    /// A text[] literal: every element quoted, quotes and backslashes escaped.
    public static func literal(_ values: [String]) -> String {
        self.literal(values.map(Optional.some))
    }

    /// A text[] literal whose nil elements are NULL.
    ///
    /// Built on UTF-8 bytes: batch statements send thousands of elements, and Foundation's
    /// `replacingOccurrences` (twice per element) was a quarter of Jobs' CPU in a no-op drain.
    public static func literal(_ values: [String?]) -> String {
        var text: [UInt8] = [UInt8(ascii: "{")]
        text.reserveCapacity(2 + values.reduce(0) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (index, value) in values.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            guard let value else {
                text += "NULL".utf8
                continue
            }
            text.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { text.append(UInt8(ascii: "\\")) }
                text.append(byte)
            }
            text.append(UInt8(ascii: "\""))
        }
        text.append(UInt8(ascii: "}"))
        return String(decoding: text, as: UTF8.self)
    }

    /// A bigint[] (or integer[]) literal.
    public static func literal(_ values: [Int64]) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }

    /// A bytea[] literal: each element in hex ("\\x…", its backslash escaped for the array syntax).
    public static func literal(_ values: [[UInt8]]) -> String {
        let digits = Hex.digits
        var text = [UInt8]("{".utf8)
        for (index, value) in values.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            text += Array("\"\\\\x".utf8)
            for byte in value { text += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
            text.append(UInt8(ascii: "\""))
        }
        text.append(UInt8(ascii: "}"))
        return String(decoding: text, as: UTF8.self)
    }

    /// A text[] as PostgreSQL prints it, for elements that never need quoting (scopes): {a,b}.
    public static func plainElements(_ text: String) -> [String] {
        var body = Substring(text)
        while body.first == "{" || body.first == "}" { body.removeFirst() }
        while body.last == "{" || body.last == "}" { body.removeLast() }
        return body.split(separator: ",").map(String.init)
    }
}
