import Foundation

/// The mails Auth wrote as `.eml` files (no AUTH_SMTP_URL), oldest first.
public enum MailFolder {
    /// Every mail so far, waiting up to `timeout` for at least `count`.
    public static func read(_ folder: String, atLeast count: Int, timeout: Duration = .seconds(5)) async throws
        -> [String]
    {
        let end = ContinuousClock.now + timeout
        while true {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
                $0.hasSuffix(".eml")
            }.sorted { (Int($0.dropLast(4)) ?? 0, $0) < (Int($1.dropLast(4)) ?? 0, $1) }
            if names.count >= count || ContinuousClock.now > end {
                return try names.map { try String(contentsOfFile: folder + "/" + $0, encoding: .utf8) }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The value of `header` in a mail, unfolded.
    public static func header(_ name: String, in mail: String) -> String? {
        let head = mail.components(separatedBy: "\r\n\r\n").first ?? mail
        let unfolded = head.replacingOccurrences(of: "\r\n ", with: " ")
        for line in unfolded.components(separatedBy: "\r\n") where line.lowercased().hasPrefix(name.lowercased() + ":")
        {
            return line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// A header value made of RFC 2047 `=?utf-8?B?…?=` words, decoded (other values as they are).
    public static func decoded(_ value: String) -> String {
        guard value.hasPrefix("=?utf-8?B?") else { return value }
        return value.split(separator: " ").map { word in
            Data(base64Encoded: String(word.dropFirst(10).dropLast(2))).map { String(decoding: $0, as: UTF8.self) }
                ?? ""
        }.joined()
    }
}
