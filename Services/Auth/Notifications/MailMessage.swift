import Foundation

/// An outbox row as an RFC 5322 message: plain text, or text and HTML as multipart/alternative; a
/// subject beyond ASCII as an RFC 2047 encoded word; and, for notifications, List-Unsubscribe with
/// List-Unsubscribe-Post so a mail client can unsubscribe in one click (RFC 8058).
struct MailMessage {
    let id: Int64
    let from: String
    let recipient: String
    let subject: String
    let text: String
    let html: String?
    let unsubscribeURL: String?
    let created: Int64

    var rendered: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        var headers = [
            "From: \(self.from)",
            "To: <\(self.recipient)>",
            "Subject: \(Self.encodedWord(self.subject))",
            "Date: \(formatter.string(from: Date(timeIntervalSince1970: Double(self.created))))",
            "Message-ID: <outbox-\(self.id)@imageswiss>",
            "MIME-Version: 1.0",
        ]
        if let url = self.unsubscribeURL {
            headers.append("List-Unsubscribe: <\(url)>")
            headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        }
        guard let html = self.html else {
            headers += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
            return Self.lines(headers + ["", self.text])
        }
        let boundary = "imageswiss-\(self.id)-alternative"
        headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        return Self.lines(
            headers + [
                "", "--\(boundary)", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "",
                self.text, "--\(boundary)", "Content-Type: text/html; charset=utf-8",
                "Content-Transfer-Encoding: 8bit", "", html, "--\(boundary)--",
            ])
    }

    /// CRLF line ends throughout, as SMTP requires.
    private static func lines(_ lines: [String]) -> String {
        lines.joined(separator: "\n").replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"
    }

    /// `=?utf-8?B?…?=` for a header value that is not plain ASCII, in words of at most 45 bytes of
    /// whole characters (an encoded word stays within RFC 2047's 75 characters), folded.
    static func encodedWord(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 >= 0x80 || $0 < 0x20 }) else { return value }
        var words: [String] = []
        var chunk = ""
        for character in value {
            if chunk.utf8.count + String(character).utf8.count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        words.append(chunk)
        return words.map { "=?utf-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }
}
