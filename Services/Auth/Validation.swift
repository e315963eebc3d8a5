import Foundation
import RPC
import ServiceRuntime

/// The rules for what users type. Every failure is INVALID_ARGUMENT naming the field, so the edge
/// can show it next to the right input.
enum Validation {
    static let minPasswordLength = 8
    static let maxPasswordLength = 128
    static let maxDisplayNameLength = 100

    /// Trimmed and lowercased, or nil when it is not a plausible address. ASCII only: internationalised
    /// addresses are refused rather than half-supported.
    static func normalizedEmail(_ raw: String) -> String? {
        let email = raw.trimmingCharacters(in: .whitespaces).lowercased()
        guard email.utf8.count <= 254, email.unicodeScalars.allSatisfy({ $0.isASCII }) else { return nil }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...64).contains(parts[0].utf8.count), !parts[1].isEmpty else { return nil }
        let localAllowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.!#$%&'*+/=?^_`{|}~-")
        guard parts[0].allSatisfy(localAllowed.contains), !parts[0].hasPrefix("."), !parts[0].hasSuffix("."),
            !parts[0].contains("..")
        else {
            return nil
        }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        let labelAllowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard labels.count >= 2,
            labels.allSatisfy({ label in
                (1...63).contains(label.count) && label.allSatisfy(labelAllowed.contains) && !label.hasPrefix("-")
                    && !label.hasSuffix("-")
            })
        else { return nil }
        return email
    }

    static func email(_ raw: String) throws -> String {
        guard let email = Self.normalizedEmail(raw) else {
            throw failure.invalid("email", "not a valid email address")
        }
        return email
    }

    /// 8 to 128 characters, not one of the 20,000 most common passwords, not the email address.
    static func newPassword(_ password: String, email: String, common: CommonPasswords) throws {
        let length = password.count
        guard length >= Self.minPasswordLength else {
            throw failure.invalid("password", "must be at least \(Self.minPasswordLength) characters")
        }
        guard length <= Self.maxPasswordLength else {
            throw failure.invalid("password", "must be at most \(Self.maxPasswordLength) characters")
        }
        guard !password.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw failure.invalid("password", "must not contain NUL")
        }
        guard !common.contains(password) else {
            throw failure.invalid("password", "is one of the most common passwords; choose another")
        }
        guard password.lowercased() != email,
            password.lowercased() != email.split(separator: "@").first.map(String.init)
        else {
            throw failure.invalid("password", "must not be your email address")
        }
    }

    /// Trimmed; at most 100 characters; no control or format characters (nothing that could break a
    /// log line or reorder text around it).
    static func displayName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard name.count <= Self.maxDisplayNameLength else {
            throw failure.invalid("display_name", "must be at most \(Self.maxDisplayNameLength) characters")
        }
        guard
            !name.unicodeScalars.contains(where: {
                [.control, .format, .lineSeparator, .paragraphSeparator].contains($0.properties.generalCategory)
            })
        else { throw failure.invalid("display_name", "must not contain control characters") }
        return name
    }

    /// Empty, or a BCP 47-shaped tag ("en", "pt-BR", "zh-Hant-TW").
    static func locale(_ raw: String) throws -> String {
        guard !raw.isEmpty else { return "" }
        let subtags = raw.split(separator: "-", omittingEmptySubsequences: false)
        guard raw.utf8.count <= 35, let first = subtags.first, (2...3).contains(first.count),
            first.allSatisfy({ $0.isASCII && $0.isLetter }),
            subtags.dropFirst().allSatisfy({
                (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
            })
        else { throw failure.invalid("locale", "must be a language tag such as en or pt-BR") }
        return raw
    }

    /// Empty, or a Storage blob id (a UUID).
    static func blobID(_ raw: String) throws -> String {
        guard !raw.isEmpty else { return "" }
        guard let id = UUID(uuidString: raw) else { throw failure.invalid("avatar_blob_id", "must be a blob id") }
        return id.uuidString.lowercased()
    }

    /// Free text recorded as-is (user agents): control characters dropped, cut at `maxLength`.
    static func printable(_ raw: String, maxLength: Int) -> String {
        String(
            String.UnicodeScalarView(raw.unicodeScalars.filter { $0.properties.generalCategory != .control }).prefix(
                maxLength))
    }

    /// A user id from a request or metadata.
    static func userID(_ raw: String, field: String = "user_id") throws -> UUID {
        guard let id = UUID(uuidString: raw) else { throw failure.invalid(field, "must be a user id") }
        return id
    }
}

/// The bundled list of common passwords (Django's, 20,000 entries), compared case-insensitively.
struct CommonPasswords: Sendable {
    private let entries: Set<String>

    init(entries: Set<String>) { self.entries = entries }

    /// Reads Resources/common-passwords.txt, shipped next to the binary.
    static func bundled() throws -> CommonPasswords {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt") else {
            throw failure.internalError("the common password list is missing from the build")
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        return CommonPasswords(entries: Set(text.split(whereSeparator: \.isNewline).map { $0.lowercased() }))
    }

    func contains(_ password: String) -> Bool { self.entries.contains(password.lowercased()) }
    var count: Int { self.entries.count }
}
