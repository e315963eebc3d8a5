import Foundation

/// json/jsonb values as their text: a Codable value encoded for a `$n::jsonb` parameter, and a
/// column read back (select it as `column::text`).
public enum PostgresJSON {
    public static func text(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }
}

extension PostgresRow {
    /// A non-null json/jsonb column (selected as text), decoded.
    public func decodeJSON<T: Decodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(type, from: Data(try self.decode(column, as: String.self).utf8))
    }
}
