import Foundation

/// Original file names are kept as display text only: never part of a path, a header or a zip
/// entry without passing through here first.
/// Public for the fuzzers (Tests/Fuzz).
public enum DisplayName {
    public static let maxLength = 255

    /// The last path component, without control or bidirectional-override characters, at most 255
    /// characters; "." and ".." become empty.
    public static func clean(_ raw: String) -> String {
        // Split on scalars, not Characters: a prepended mark such as U+06DD joins the "/" after it
        // into one Character, which a Character split would not see as a separator.
        let lastComponent = raw.unicodeScalars.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? []
        let scalars = lastComponent.filter { scalar in
            !(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
                || scalar.value == 0x200E || scalar.value == 0x200F || scalar.value == 0xFEFF)
        }
        var name = String(String.UnicodeScalarView(scalars)).trimmingCharacters(in: .whitespaces)
        if name == "." || name == ".." { name = "" }
        if name.count > Self.maxLength { name = String(name.prefix(Self.maxLength)) }
        return name
    }

    /// A name for a file in an archive: the display name, or "file-<id prefix>" with the extension of
    /// its type; duplicates get " (2)", " (3)"… before the extension.
    public static func archiveNames(_ blobs: [(id: String, displayName: String, contentType: String)]) -> [String] {
        var used: Set<String> = []
        return blobs.map { blob in
            var name = Self.clean(blob.displayName)
            if name.isEmpty { name = "file-\(blob.id.prefix(8))" + Self.fileExtension(for: blob.contentType) }
            var candidate = name
            var counter = 2
            while used.contains(candidate.lowercased()) {
                let dot = name.lastIndex(of: ".").flatMap { $0 == name.startIndex ? nil : $0 }
                candidate = dot.map { "\(name[..<$0]) (\(counter))\(name[$0...])" } ?? "\(name) (\(counter))"
                counter += 1
            }
            used.insert(candidate.lowercased())
            return candidate
        }
    }

    static func fileExtension(for contentType: String) -> String {
        switch contentType {
        case "image/jpeg": ".jpg"
        case "image/png": ".png"
        case "image/gif": ".gif"
        case "image/webp": ".webp"
        case "image/avif": ".avif"
        case "image/heic": ".heic"
        case "image/jxl": ".jxl"
        case "image/tiff": ".tiff"
        case "image/bmp": ".bmp"
        case "application/pdf": ".pdf"
        case "application/zip": ".zip"
        case "application/json": ".json"
        case let type where type.hasPrefix("text/plain"): ".txt"
        default: ".bin"
        }
    }
}
