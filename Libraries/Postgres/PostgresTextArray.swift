import Foundation

/// PostgreSQL text[] values as text, both ways (scopes, throttle keys, blob ids).
public enum PostgresTextArray {
    /// A text[] literal: every element quoted, quotes and backslashes escaped.
    public static func literal(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }

    /// A text[] as PostgreSQL prints it, for elements that never need quoting (scopes): {a,b}.
    public static func plainElements(_ text: String) -> [String] {
        text.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",").map(String.init)
    }
}
