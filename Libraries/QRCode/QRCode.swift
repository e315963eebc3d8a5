import CQRencode
import Foundation

/// A QR code of a short text (a link), drawn as SVG: one path of dark modules on a white square
/// with the four-module quiet zone the standard asks for, so phones read it on any page colour.
public enum QRCode {
    public enum Failure: Error, Equatable {
        /// libqrencode could not encode the text (too long for a QR code, or out of memory).
        case notEncodable
    }

    /// The longest text taken: far above any link this project makes, far below QR's limit.
    public static let maxTextBytes = 1024

    /// The modules, row by row: true is dark.
    public static func modules(_ text: String) throws -> [[Bool]] {
        guard !text.isEmpty, text.utf8.count <= Self.maxTextBytes,
            let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)
        else { throw Failure.notEncodable }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        // Bit 0 of each byte is the module's colour; the other bits describe its role.
        let data = UnsafeBufferPointer(start: code.pointee.data, count: width * width)
        return (0..<width).map { row in (0..<width).map { column in data[row * width + column] & 1 == 1 } }
    }

    /// An SVG image of the code, `label` as its accessible name.
    public static func svg(_ text: String, label: String) throws -> String {
        let modules = try Self.modules(text)
        let quiet = 4
        let size = modules.count + 2 * quiet
        var path = ""
        for (row, cells) in modules.enumerated() {
            for (column, dark) in cells.enumerated() where dark {
                path += "M\(column + quiet) \(row + quiet)h1v1h-1z"
            }
        }
        let escaped = label.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(size) \(size)" shape-rendering="crispEdges" \
            role="img" aria-label="\(escaped)"><rect width="\(size)" height="\(size)" fill="#fff"/>\
            <path fill="#000" d="\(path)"/></svg>
            """
    }
}
