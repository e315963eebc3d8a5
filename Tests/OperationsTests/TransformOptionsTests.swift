import Operations
import Testing

/// The transformation URL grammar: what a link's options mean, what they are refused for, and the
/// canonical form that keys a derivative (equal transformations, one derivative, one charge).
@Suite struct TransformOptionsTests {
    func parse(_ path: String, ext: Substring? = nil) throws(TransformProblem) -> TransformOptions {
        try TransformOptions.parse(path.split(separator: "/"), extension: ext, maxSide: 2048)
    }

    @Test func equalTransformationsHaveOneCanonicalForm() throws {
        let a = try parse("rs:fill:300:200/q:80/f:webp")
        let b = try parse("q:80/w:300/h:200/rs:fill", ext: "webp")
        let c = try parse("resize:fill:300:200/quality:80/format:webp")
        #expect(a.canonical(format: "webp") == "rs:fill:300:200/q:80/f:webp")
        #expect(b.canonical(format: "webp") == a.canonical(format: "webp"))
        #expect(c.canonical(format: "webp") == a.canonical(format: "webp"))
        // Later options win, as in imgproxy.
        #expect(try parse("q:10/q:90").quality == 90)
        #expect(try parse("c:100:50/g:soea").canonical(format: "png") == "c:100:50:soea/f:png")
    }

    @Test func refusalsNameTheOption() {
        let cases: [(String, String)] = [
            ("rs:stretch:10:10", "rs:stretch:10:10"),
            ("rs:fit:99999:0", "rs:fit:99999:0"),
            ("q:0", "q:0"),
            ("f:bmp", "f:bmp"),
            ("blur:3", "blur:3"),
            ("c:0:10", "c:0:10"),
            ("g:middle", "g:middle"),
            ("pr:Bad Name", "pr:Bad Name"),
            ("rs:fill:300:0", "rs"),
            ("rs:fit:0:0", "rs"),
        ]
        for (path, option) in cases {
            #expect(throws: TransformProblem.self, "\(path)") { try parse(path) }
            do { _ = try parse(path) } catch { #expect(error.option == option, "\(path): \(error)") }
        }
    }

    @Test func presetsApplyFirstAndTheLinkOverrides() throws {
        let thumb = try TransformOptions.parsePreset("rs:fill:300:300/q:70/f:auto", maxSide: 2048)
        let link = try parse("pr:thumb/q:90")
        let expanded = try link.expanded(with: ["thumb": thumb])
        #expect(expanded.canonical(format: "avif") == "rs:fill:300:300/q:90/f:avif")
        #expect(throws: TransformProblem.self) { try parse("pr:missing").expanded(with: [:]) }
        #expect(throws: TransformProblem.self) { try TransformOptions.parsePreset("pr:other", maxSide: 2048) }
    }

    @Test func autoPicksByAcceptAndNoFormatKeepsTheSources() throws {
        let auto = try parse("w:100/f:auto")
        #expect(auto.outputFormat(accept: "image/avif,image/webp,*/*", sourceContentType: "image/png") == "avif")
        #expect(auto.outputFormat(accept: "image/webp,*/*", sourceContentType: "image/png") == "webp")
        #expect(auto.outputFormat(accept: "*/*", sourceContentType: "image/png") == "jpeg")
        let plain = try parse("w:100")
        #expect(plain.outputFormat(accept: "image/avif", sourceContentType: "image/png") == "png")
        #expect(plain.outputFormat(accept: "", sourceContentType: "image/tiff") == "jpeg")
    }

    @Test func stepsCropTheSourceThenResizeThenEncode() throws {
        let options = try parse("c:400:300:soea/rs:fit:200:0/q:80")
        let steps = options.steps(
            sourceWidth: 1000, sourceHeight: 800, sourceFormat: "jpeg", format: "jpeg", maxSide: 2048)
        #expect(steps.map(\.operation) == ["crop", "resize", "convert"])
        #expect(steps[0].parameters == ["left": "600", "top": "500", "width": "400", "height": "300"])
        #expect(steps[1].parameters == ["width": "200", "height": "2048", "mode": "fit"])
        #expect(steps[2].parameters == ["format": "jpeg", "quality": "80"])
        // Same format, no quality: no encoding step to pay for; a crop larger than the source is cut to it.
        let same = try parse("c:2000:10/g:nowe").steps(
            sourceWidth: 1000, sourceHeight: 800, sourceFormat: "png", format: "png", maxSide: 2048)
        #expect(
            same == [.init(operation: "crop", parameters: ["left": "0", "top": "0", "width": "1000", "height": "10"])])
        let smart = try parse("c:100:100:sm/f:webp").steps(
            sourceWidth: 1000, sourceHeight: 800, sourceFormat: "png", format: "webp", maxSide: 2048)
        #expect(smart.map(\.operation) == ["smartcrop", "convert"])
    }
}
