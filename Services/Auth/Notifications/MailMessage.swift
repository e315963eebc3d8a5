import Foundation

/// An outbox row as an RFC 5322 message: plain text, or text and HTML as multipart/alternative,
/// inside multipart/mixed with its attachments (base64) when it has any; a subject beyond ASCII as
/// RFC 2047 encoded words; and, for notifications, List-Unsubscribe with List-Unsubscribe-Post so a
/// mail client can unsubscribe in one click (RFC 8058).
struct MailMessage {
    let id: Int64
    let from: String
    let recipient: String
    let subject: String
    let text: String
    let html: String?
    let unsubscribeURL: String?
    var attachments: [Attachment] = []
    let created: Int64

    struct Attachment {
        let name: String
        let contentType: String
        let data: [UInt8]
    }

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
        let body = self.body
        guard !self.attachments.isEmpty else { return Self.lines(headers + body) }
        let boundary = "imageswiss-\(self.id)-mixed"
        var parts = ["Content-Type: multipart/mixed; boundary=\"\(boundary)\"", "", "--\(boundary)"] + body
        for attachment in self.attachments {
            parts += [
                "--\(boundary)", "Content-Type: \(attachment.contentType); name=\"\(attachment.name)\"",
                "Content-Disposition: attachment; filename=\"\(attachment.name)\"", "Content-Transfer-Encoding: base64",
                "",
                Data(attachment.data).base64EncodedString(options: [
                    .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
                ]),
            ]
        }
        return Self.lines(headers + parts + ["--\(boundary)--"])
    }

    /// The readable part: its headers, a blank line and the text, or the text and HTML alternatives.
    private var body: [String] {
        guard let html = self.html else {
            return ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "", self.text]
        }
        let boundary = "imageswiss-\(self.id)-alternative"
        return [
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"", "", "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "", self.text,
            "--\(boundary)", "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: 8bit", "", html,
            "--\(boundary)--",
        ]
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
