/// The content type of a blob, and its pixel size when it is an image whose header says so —
/// always from the bytes, never from a file name or a client's Content-Type.
public struct SniffedContent: Equatable, Sendable {
    public var contentType: String
    public var width: Int = 0
    public var height: Int = 0

    public var isImage: Bool { self.contentType.hasPrefix("image/") }
}

/// Public for the fuzzers (Tests/Fuzz).
public enum ContentSniffer {
    public static func sniff(_ head: [UInt8]) -> SniffedContent {
        let b = head
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            b.count >= offset + prefix.count && Array(b[offset..<offset + prefix.count]) == prefix
        }
        func ascii(_ text: String, at offset: Int = 0) -> Bool { starts(Array(text.utf8), at: offset) }

        if starts([0xFF, 0xD8, 0xFF]) { return Self.jpeg(b) }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            var result = SniffedContent(contentType: "image/png")
            if b.count >= 24, ascii("IHDR", at: 12) {
                result.width = Self.be32(b, 16)
                result.height = Self.be32(b, 20)
            }
            return result
        }
        if ascii("GIF87a") || ascii("GIF89a") {
            return SniffedContent(
                contentType: "image/gif", width: b.count >= 10 ? Self.le16(b, 6) : 0,
                height: b.count >= 10 ? Self.le16(b, 8) : 0)
        }
        if ascii("RIFF"), ascii("WEBP", at: 8) { return Self.webp(b) }
        if ascii("ftyp", at: 4), b.count >= 12 {
            let brands = stride(from: 8, to: min(b.count - 3, Int(Self.be32(b, 0))), by: 4).map {
                String(decoding: b[$0..<$0 + 4], as: UTF8.self)
            }
            if brands.contains("avif") || brands.contains("avis") { return SniffedContent(contentType: "image/avif") }
            if !Set(brands).isDisjoint(with: ["heic", "heix", "hevc", "hevx", "mif1", "msf1"]) {
                return SniffedContent(contentType: "image/heic")
            }
        }
        if starts([0xFF, 0x0A]) || starts([0, 0, 0, 0x0C, 0x4A, 0x58, 0x4C, 0x20, 0x0D, 0x0A, 0x87, 0x0A]) {
            return SniffedContent(contentType: "image/jxl")
        }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) {
            return SniffedContent(contentType: "image/tiff")
        }
        if ascii("BM"), b.count >= 26 {
            return SniffedContent(
                contentType: "image/bmp", width: Self.le32(b, 18),
                height: abs(Int(Int32(bitPattern: UInt32(Self.le32(b, 22))))))
        }
        if ascii("%PDF-") { return SniffedContent(contentType: "application/pdf") }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return SniffedContent(contentType: "application/zip") }
        return Self.text(b)
    }

    /// Text when the head is valid UTF-8 without NULs (a cut multi-byte sequence at the end is fine).
    private static func text(_ b: [UInt8]) -> SniffedContent {
        guard !b.isEmpty, !b.contains(0) else { return SniffedContent(contentType: "application/octet-stream") }
        var body = b[...]
        // A head cut in the middle of a multi-byte character: drop that last, incomplete character.
        for back in 1...min(3, b.count) {
            let lead = b[b.count - back]
            guard lead & 0xC0 == 0xC0 else { continue }
            let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
            if back < length { body = b[..<(b.count - back)] }
            break
        }
        guard String(validating: body, as: UTF8.self) != nil else {
            return SniffedContent(contentType: "application/octet-stream")
        }
        let first = body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            return SniffedContent(contentType: "application/json")
        }
        return SniffedContent(contentType: "text/plain; charset=utf-8")
    }

    /// JPEG: walks the marker segments to the first start-of-frame.
    private static func jpeg(_ b: [UInt8]) -> SniffedContent {
        var result = SniffedContent(contentType: "image/jpeg")
        var i = 2
        while i + 9 < b.count {
            guard b[i] == 0xFF else { return result }
            let marker = b[i + 1]
            if marker == 0xFF {
                i += 1
                continue
            }
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) {
                i += 2
                continue
            }
            let length = Self.be16(b, i + 2)
            if [0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF].contains(marker) {
                result.height = Self.be16(b, i + 5)
                result.width = Self.be16(b, i + 7)
                return result
            }
            if marker == 0xDA || length < 2 { return result }
            i += 2 + length
        }
        return result
    }

    private static func webp(_ b: [UInt8]) -> SniffedContent {
        var result = SniffedContent(contentType: "image/webp")
        guard b.count >= 30 else { return result }
        switch String(decoding: b[12..<16], as: UTF8.self) {
        case "VP8 ":
            result.width = Self.le16(b, 26) & 0x3FFF
            result.height = Self.le16(b, 28) & 0x3FFF
        case "VP8L":
            let bits = UInt32(b[21]) | UInt32(b[22]) << 8 | UInt32(b[23]) << 16 | UInt32(b[24]) << 24
            result.width = Int(bits & 0x3FFF) + 1
            result.height = Int((bits >> 14) & 0x3FFF) + 1
        case "VP8X":
            result.width = (Int(b[24]) | Int(b[25]) << 8 | Int(b[26]) << 16) + 1
            result.height = (Int(b[27]) | Int(b[28]) << 8 | Int(b[29]) << 16) + 1
        default:
            break
        }
        return result
    }

    private static func be16(_ b: [UInt8], _ i: Int) -> Int { i + 1 < b.count ? Int(b[i]) << 8 | Int(b[i + 1]) : 0 }
    private static func le16(_ b: [UInt8], _ i: Int) -> Int { i + 1 < b.count ? Int(b[i]) | Int(b[i + 1]) << 8 : 0 }
    private static func be32(_ b: [UInt8], _ i: Int) -> Int {
        i + 3 < b.count ? Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) : 0
    }
    private static func le32(_ b: [UInt8], _ i: Int) -> Int {
        i + 3 < b.count ? Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 | Int(b[i + 3]) << 24 : 0
    }
}
