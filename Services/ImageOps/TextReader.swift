import ImageSwissProtos
import OCR
import RPC
import Vips

/// The Ocr call: decode with the usual limits, upright, grey, then tesseract.
struct TextReader {
    let limits: ImageLimits
    let defaultLanguages: String

    func read(_ request: ImageOpsOcrRequest) throws -> ImageOpsOcrResult {
        let image = try VipsImage.load(Array(request.image), limits: self.limits).autoOriented().grayscale()
        let grey = try VipsOperationCall.run("extract_band", [("in", .image(image)), ("band", .int(0))]) {
            try $0.image()
        }
        let languages = request.languages.isEmpty ? self.defaultLanguages : request.languages
        let recognized: RecognizedText
        do {
            recognized = try TextRecognizer.recognize(
                greyPixels: grey.pixelBytes(), width: grey.width, height: grey.height, languages: languages)
        } catch let error as OCRError {
            throw RPCError(.invalidArgument, error.description)
        }
        var result = ImageOpsOcrResult()
        result.text = recognized.text
        result.words = recognized.words.map { word in
            var out = ImageOpsOcrWord()
            out.text = word.text
            out.confidence = word.confidence
            out.left = UInt32(max(0, word.left))
            out.top = UInt32(max(0, word.top))
            out.width = UInt32(max(0, word.width))
            out.height = UInt32(max(0, word.height))
            return out
        }
        return result
    }
}
