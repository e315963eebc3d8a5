import Foundation

/// A bind parameter: sent as text, or as binary for byte strings. Never interpolated into SQL.
public enum PostgresValue: Sendable, Equatable {
    case null
    case text(String)
    case bytes([UInt8])
}

/// A Swift value that can be a query parameter.
public protocol PostgresEncodable: Sendable {
    var postgresValue: PostgresValue { get }
}

/// A Swift value that a result column can be decoded into (columns arrive in libpq's text format).
public protocol PostgresDecodable: Sendable {
    static func decode(postgresText text: String) throws -> Self
}

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .text(self) }
    public static func decode(postgresText text: String) throws -> String { text }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .text(String(self)) }
    public static func decode(postgresText text: String) throws -> Int {
        guard let value = Int(text) else { throw PostgresError(.decoding, "'\(text)' is not an integer") }
        return value
    }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .text(String(self)) }
    public static func decode(postgresText text: String) throws -> Int64 {
        guard let value = Int64(text) else { throw PostgresError(.decoding, "'\(text)' is not an integer") }
        return value
    }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .text(String(self)) }
    public static func decode(postgresText text: String) throws -> Int32 {
        guard let value = Int32(text) else { throw PostgresError(.decoding, "'\(text)' is not a 32-bit integer") }
        return value
    }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .text(String(self)) }
    public static func decode(postgresText text: String) throws -> Double {
        guard let value = Double(text) else { throw PostgresError(.decoding, "'\(text)' is not a number") }
        return value
    }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .text(self ? "t" : "f") }
    public static func decode(postgresText text: String) throws -> Bool {
        switch text {
        case "t", "true": return true
        case "f", "false": return false
        default: throw PostgresError(.decoding, "'\(text)' is not a boolean")
        }
    }
}

extension UUID: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .text(self.lowercasedText) }
    public static func decode(postgresText text: String) throws -> UUID {
        guard let value = UUID(text: text) else { throw PostgresError(.decoding, "'\(text)' is not a UUID") }
        return value
    }
}

extension Array: PostgresEncodable, PostgresDecodable where Element == UInt8 {
    public var postgresValue: PostgresValue { .bytes(self) }
    /// bytea arrives as "\x" followed by hex digits.
    public static func decode(postgresText text: String) throws -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw PostgresError(.decoding, "bytea value is not in hex format")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = Hex.value(utf8[index]), let low = Hex.value(utf8[index + 1]) else {
                throw PostgresError(.decoding, "bytea value has a non-hex digit")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresValue: PostgresValue { self?.postgresValue ?? .null }
}
