import CTesseract
import Foundation

/// A recognised word with its confidence (0–100) and box in pixels of the input.
public struct RecognizedWord: Sendable, Equatable {
    public var text: String
    public var confidence: Float
    public var left: Int
    public var top: Int
    public var width: Int
    public var height: Int
}

public struct RecognizedText: Sendable {
    public var text: String
    public var words: [RecognizedWord]
}

public struct OCRError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// OCR with tesseract through its C API. All of this library's unsafe code is in this file.
///
/// A tesseract handle is not thread-safe, so each call makes its own (loading a language model takes
/// tens of milliseconds; fine next to recognition itself, which takes far longer).
public enum TextRecognizer {
    /// Where the language models (`<lang>.traineddata`) are; Debian's tesseract-ocr-<lang> packages.
    public static var dataDirectory: String {
        if let path = ProcessInfo.processInfo.environment["TESSDATA_PREFIX"], !path.isEmpty { return path }
        let root = "/usr/share/tesseract-ocr"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for version in versions.sorted().reversed()
        where FileManager.default.fileExists(atPath: "\(root)/\(version)/tessdata") {
            return "\(root)/\(version)/tessdata"
        }
        return "\(root)/tessdata"
    }

    /// Languages with an installed model.
    public static func installedLanguages() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: self.dataDirectory)) ?? [])
            .filter { $0.hasSuffix(".traineddata") }.map { String($0.dropLast(".traineddata".count)) }.sorted()
    }

    /// Recognises text in 8-bit grey pixels (one byte per pixel, row by row).
    /// - Parameter languages: tesseract language codes joined by "+", e.g. "eng" or "eng+deu".
    public static func recognize(greyPixels pixels: [UInt8], width: Int, height: Int, languages: String) throws
        -> RecognizedText
    {
        guard width > 0, height > 0, pixels.count == width * height else {
            throw OCRError("pixel buffer does not match \(width)×\(height)")
        }
        let codes = languages.split(separator: "+").map(String.init)
        let installed = Set(self.installedLanguages())
        guard !codes.isEmpty,
            codes.allSatisfy({ code in installed.contains(code) && code.allSatisfy { $0.isLetter || $0 == "_" } })
        else {
            throw OCRError(
                "unknown OCR language '\(languages)'; installed: \(installed.sorted().joined(separator: ", "))")
        }
        guard let api = TessBaseAPICreate() else { throw OCRError("tesseract could not start") }
        defer { TessBaseAPIDelete(api) }
        guard TessBaseAPIInit3(api, self.dataDirectory, languages) == 0 else {
            throw OCRError("tesseract could not load '\(languages)'")
        }
        _ = TessBaseAPISetVariable(api, "debug_file", "/dev/null")
        pixels.withUnsafeBufferPointer { buffer in
            TessBaseAPISetImage(api, buffer.baseAddress, Int32(width), Int32(height), 1, Int32(width))
        }
        guard TessBaseAPIRecognize(api, nil) == 0 else { throw OCRError("tesseract failed to recognise the image") }
        let fullText =
            TessBaseAPIGetUTF8Text(api).map { pointer in
                defer { TessDeleteText(pointer) }
                return String(cString: pointer)
            } ?? ""
        var words: [RecognizedWord] = []
        if let iterator = TessBaseAPIGetIterator(api) {
            defer { TessResultIteratorDelete(iterator) }
            let page = TessResultIteratorGetPageIteratorConst(iterator)
            repeat {
                guard let text = TessResultIteratorGetUTF8Text(iterator, RIL_WORD) else { continue }
                defer { TessDeleteText(text) }
                var left: Int32 = 0
                var top: Int32 = 0
                var right: Int32 = 0
                var bottom: Int32 = 0
                guard TessPageIteratorBoundingBox(page, RIL_WORD, &left, &top, &right, &bottom) != 0 else { continue }
                words.append(
                    RecognizedWord(
                        text: String(cString: text), confidence: TessResultIteratorConfidence(iterator, RIL_WORD),
                        left: Int(left), top: Int(top), width: Int(right - left), height: Int(bottom - top)
                    ))
            } while TessResultIteratorNext(iterator, RIL_WORD) != 0
        }
        return RecognizedText(text: fullText.trimmingCharacters(in: .whitespacesAndNewlines), words: words)
    }
}
