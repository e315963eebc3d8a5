import CHpdf

/// A PDF of text lines on A4 pages, made with libharu: the one place that touches its C API.
/// Lines are laid out top to bottom; a line with `rule` draws a thin line under it. The standard
/// Helvetica fonts carry Latin-1 (WinAnsi) only: other characters are written as "?".
public struct TextDocument: Sendable {
    public struct Line: Sendable {
        public var text: String
        public var size: Double
        public var bold: Bool
        /// Right-aligned text on the same line (an amount).
        public var right: String
        public var rule: Bool

        public init(_ text: String, size: Double = 10, bold: Bool = false, right: String = "", rule: Bool = false) {
            (self.text, self.size, self.bold, self.right, self.rule) = (text, size, bold, right, rule)
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let step: String
        public var description: String { "PDF: \(self.step) failed" }
    }

    public var title: String
    public var lines: [Line]

    public init(title: String, lines: [Line]) {
        (self.title, self.lines) = (title, lines)
    }

    static let margin: Float = 56
    static let pageHeight: Float = 842

    /// The document's bytes.
    public func render() throws -> [UInt8] {
        guard let pdf = HPDF_New(nil, nil) else { throw Failure(step: "HPDF_New") }
        defer { HPDF_Free(pdf) }
        HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, Self.latin1(self.title))
        HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "ImageSwiss")
        guard let regular = HPDF_GetFont(pdf, "Helvetica", "WinAnsiEncoding"),
            let bold = HPDF_GetFont(pdf, "Helvetica-Bold", "WinAnsiEncoding")
        else { throw Failure(step: "HPDF_GetFont") }
        var page = try Self.newPage(pdf)
        var y = Self.pageHeight - Self.margin
        for line in self.lines {
            let height = Float(line.size) * 1.6
            if y - height < Self.margin {
                page = try Self.newPage(pdf)
                y = Self.pageHeight - Self.margin
            }
            y -= height
            let font = line.bold ? bold : regular
            HPDF_Page_BeginText(page)
            HPDF_Page_SetFontAndSize(page, font, Float(line.size))
            HPDF_Page_TextOut(page, Self.margin, y, Self.latin1(line.text))
            if !line.right.isEmpty {
                let text = Self.latin1(line.right)
                let width = HPDF_Page_TextWidth(page, text)
                HPDF_Page_TextOut(page, HPDF_Page_GetWidth(page) - Self.margin - width, y, text)
            }
            HPDF_Page_EndText(page)
            if line.rule {
                HPDF_Page_SetLineWidth(page, 0.5)
                HPDF_Page_MoveTo(page, Self.margin, y - 4)
                HPDF_Page_LineTo(page, HPDF_Page_GetWidth(page) - Self.margin, y - 4)
                HPDF_Page_Stroke(page)
            }
        }
        guard HPDF_SaveToStream(pdf) == HPDF_OK else { throw Failure(step: "HPDF_SaveToStream") }
        var size = HPDF_GetStreamSize(pdf)
        var bytes = [UInt8](repeating: 0, count: Int(size))
        guard bytes.withUnsafeMutableBufferPointer({ HPDF_ReadFromStream(pdf, $0.baseAddress, &size) }) == HPDF_OK
        else { throw Failure(step: "HPDF_ReadFromStream") }
        return Array(bytes.prefix(Int(size)))
    }

    private static func newPage(_ pdf: HPDF_Doc) throws -> HPDF_Page {
        guard let page = HPDF_AddPage(pdf) else { throw Failure(step: "HPDF_AddPage") }
        HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT)
        return page
    }

    /// The text as WinAnsi bytes for libharu (Latin-1 covers the printable part that matters here).
    static func latin1(_ text: String) -> [CChar] {
        text.unicodeScalars.map { $0.value < 256 && $0.value >= 32 ? CChar(bitPattern: UInt8($0.value)) : 63 } + [0]
    }
}
