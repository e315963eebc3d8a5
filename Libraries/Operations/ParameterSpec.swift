/// One parameter of an operation: its type and range, whether it is required, the default the
/// pipeline applies when it is absent, and an example value for forms and documentation.
public struct ParameterSpec: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A whole number in `range`, a multiple of `step`.
        case integer(ClosedRange<Int>, step: Int = 1)
        case number(ClosedRange<Double>)
        case boolean
        case choice([String])
        /// Free text of at most `maxLength` UTF-8 bytes.
        case text(maxLength: Int)
        /// A colour as hex RRGGBB, with or without '#'.
        case colour
        /// One of the caller's file ids.
        case fileID
    }

    public let name: String
    public let kind: Kind
    public let required: Bool
    public let defaultValue: String?
    public let example: String?
    public let unit: String?
    public let summary: String

    public init(
        _ name: String, _ kind: Kind, required: Bool = false, default defaultValue: String? = nil,
        example: String? = nil,
        unit: String? = nil, _ summary: String
    ) {
        self.name = name
        self.kind = kind
        self.required = required
        self.defaultValue = defaultValue
        self.example = example
        self.unit = unit
        self.summary = summary
    }

    /// Why `text` is not a value of this parameter, or nil when it is.
    public func problem(with text: String) -> String? {
        switch self.kind {
        case .integer(let range, let step):
            guard let value = Int(text) else { return "must be a whole number, not '\(text.prefix(64))'" }
            guard range.contains(value) else {
                return "must be \(range.lowerBound) to \(range.upperBound), not \(value)"
            }
            return value % step == 0 ? nil : "must be a multiple of \(step), not \(value)"
        case .number(let range):
            guard let value = Double(text), value.isFinite else { return "must be a number, not '\(text.prefix(64))'" }
            return range.contains(value)
                ? nil : "must be \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound)), not \(text)"
        case .boolean:
            return ["true", "false", "1", "0", "yes", "no"].contains(text.lowercased())
                ? nil : "must be true or false, not '\(text.prefix(64))'"
        case .choice(let options):
            return options.contains(text)
                ? nil : "must be one of \(options.joined(separator: ", ")), not '\(text.prefix(64))'"
        case .text(let maxLength):
            if self.required && text.isEmpty { return "must not be empty" }
            return text.utf8.count <= maxLength ? nil : "must be at most \(maxLength) bytes"
        case .colour:
            let hex = text.hasPrefix("#") ? text.dropFirst() : Substring(text)
            return hex.count == 6 && Int(hex, radix: 16) != nil
                ? nil : "must be a hex colour like ff8800, not '\(text.prefix(64))'"
        case .fileID:
            return text.utf8.count == 36 ? nil : "must be a file id"
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
