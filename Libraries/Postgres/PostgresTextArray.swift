import Foundation

/// PostgreSQL array values as text: text[] both ways (scopes, throttle keys, blob ids), bigint[] and
/// bytea[] literals for batch statements.
public enum PostgresTextArray {
    /// A text[] literal: every element quoted, quotes and backslashes escaped.
    public static func literal(_ values: [String]) -> String {
        self.literal(values.map(Optional.some))
    }

    /// A text[] literal whose nil elements are NULL.
    public static func literal(_ values: [String?]) -> String {
        "{" + values.map { value in
            value.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" } ?? "NULL"
        }.joined(separator: ",") + "}"
    }

    /// A bigint[] (or integer[]) literal.
    public static func literal(_ values: [Int64]) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }

    /// A bytea[] literal: each element in hex ("\\x…", its backslash escaped for the array syntax).
    public static func literal(_ values: [[UInt8]]) -> String {
        let digits = Array("0123456789abcdef".utf8)
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
        text.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",").map(String.init)
    }
}
