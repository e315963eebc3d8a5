import Foundation

/// UUIDs to and from their 36-character text without Foundation's `sscanf`/`sprintf`: ids cross
/// every query and RPC as text, and in Storage's batch look-ups (`GetBlobs`, 50 ids) parsing and
/// printing them through the C formatted-I/O functions was about a tenth of the service's CPU.
extension UUID {
    /// The hyphenated form (8-4-4-4-12 hex digits, either case), as `UUID(uuidString:)` accepts it.
    public init?(text: some StringProtocol) {
        let utf8 = text.utf8
        guard utf8.count == 36 else { return nil }
        let parsed =
            utf8.withContiguousStorageIfAvailable(Self.parse) ?? Array(utf8).withUnsafeBufferPointer(Self.parse)
        guard let parsed else { return nil }
        self.init(uuid: parsed)
    }

    /// The lowercase hyphenated form, as PostgreSQL prints a `uuid` and the API shows ids.
    public var lowercasedText: String {
        withUnsafeBytes(of: self.uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { text in
                var at = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    text[at] = Hex.digits[Int(byte >> 4)]
                    text[at + 1] = Hex.digits[Int(byte & 0x0f)]
                    at += 2
                }
                return 36
            }
        }
    }

    /// 36 bytes of text (checked by the caller) to the 16 bytes they spell; nil when they spell none.
    private static func parse(_ text: UnsafeBufferPointer<UInt8>) -> uuid_t? {
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let valid = withUnsafeMutableBytes(of: &uuid) { bytes in
            var at = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    guard text[at] == UInt8(ascii: "-") else { return false }
                    at += 1
                }
                guard let high = Hex.value(text[at]), let low = Hex.value(text[at + 1]) else { return false }
                bytes[index] = high << 4 | low
                at += 2
            }
            return true
        }
        return valid ? uuid : nil
    }
}
