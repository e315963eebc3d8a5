import Foundation
import Operations
import Testing

/// The web app's second language is complete: every text the pages pass to `t()`, every string of
/// the operation catalogue they show, and every error code the services send has its Simplified
/// Chinese in Services/Edge/Public/locales/zh-CN.js, with the same placeholders.
@Suite struct TranslationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let publicFolder = root.appendingPathComponent("Services/Edge/Public")

    /// `"english": "中文"` pairs of the default export, the codes of the `errors` export and the
    /// names of the `fields` export.
    static func catalogue() throws -> (texts: [String: String], errors: Set<String>, fields: Set<String>) {
        let source = try String(contentsOf: publicFolder.appendingPathComponent("locales/zh-CN.js"), encoding: .utf8)
        let sections = source.components(separatedBy: "export const fields = {")
        #expect(sections.count == 2, "zh-CN.js exports `fields` last")
        let parts = sections[0].components(separatedBy: "export const errors = {")
        #expect(parts.count == 2, "zh-CN.js exports `errors`")
        var texts: [String: String] = [:]
        for match in parts[0].matches(
            of: #/^\s*("(?:[^"\\]|\\.)*"):\s*("(?:[^"\\]|\\.)*"),?\s*$/#.anchorsMatchLineEndings())
        {
            texts[try Self.decode(match.output.1)] = try Self.decode(match.output.2)
        }
        let key = #/^\s*([a-z0-9_]+):/#.anchorsMatchLineEndings()
        let codes = parts[1].matches(of: key).map { String($0.output.1) }
        let fields = sections[1].matches(of: key).map { String($0.output.1) }
        return (texts, Set(codes), Set(fields))
    }

    /// The text of every Swift source of the services and libraries, where errors are written.
    static func serviceSources() throws -> [String] {
        var sources: [String] = []
        for folder in ["Services", "Libraries"] {
            let base = Self.root.appendingPathComponent(folder)
            let walker = FileManager.default.enumerator(atPath: base.path)
            while let path = walker?.nextObject() as? String {
                guard path.hasSuffix(".swift") else { continue }
                sources.append(try String(contentsOf: base.appendingPathComponent(path), encoding: .utf8))
            }
        }
        return sources
    }

    static func decode(_ literal: Substring) throws -> String {
        try JSONDecoder().decode(String.self, from: Data(literal.utf8))
    }

    static func placeholders(_ text: String) -> Set<String> {
        Set(text.matches(of: #/\{(\w+)\}/#).map { String($0.output.1) })
    }

    @Test func everyTextOfThePagesIsTranslated() throws {
        let (texts, _, _) = try Self.catalogue()
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.publicFolder.path)
            .filter { $0.hasSuffix(".js") && $0 != "docs.js" && $0 != "sw.js" }
        #expect(files.contains("app.js"))
        var used = 0
        for file in files {
            let source = try String(contentsOf: Self.publicFolder.appendingPathComponent(file), encoding: .utf8)
            for match in source.matches(of: #/\bt\(("(?:[^"\\]|\\.)*")/#) {
                let text = try Self.decode(match.output.1)
                used += 1
                guard let translated = texts[text] else {
                    Issue.record("\(file): no Chinese for \(text.debugDescription)")
                    continue
                }
                #expect(
                    Self.placeholders(translated) == Self.placeholders(text), "placeholders of \(text.debugDescription)"
                )
            }
        }
        #expect(used > 400, "the pages pass their texts through t()")
    }

    /// The checklist shows each operation's label and summary, its parameters' names (underscores
    /// as spaces), summaries and units, and the words among a choice's options.
    @Test func everyStringOfTheOperationCatalogueIsTranslated() throws {
        let (texts, _, _) = try Self.catalogue()
        for operation in OperationCatalog.all where operation.listed {
            var shown = [operation.label, operation.summary]
            for parameter in operation.parameters {
                shown += [parameter.name.replacingOccurrences(of: "_", with: " "), parameter.summary]
                if let unit = parameter.unit, unit.contains(where: \.isLetter) { shown.append(unit) }
                if case .choice(let options) = parameter.kind {
                    // Formats, sizes and ratios read the same in both languages.
                    shown += options.filter {
                        $0.allSatisfy(\.isLetter)
                            && !["jpeg", "jpg", "png", "webp", "avif", "heic", "gif", "tiff", "jxl"].contains($0)
                    }
                }
            }
            for text in shown where !text.isEmpty {
                #expect(texts[text] != nil, "\(operation.name): no Chinese for \(text.debugDescription)")
            }
        }
    }

    /// Every error code a service or the edge sends (found in the sources the way they are written:
    /// an RPC or HTTP status, then the code) has a sentence.
    @Test func everyErrorCodeHasASentence() throws {
        let (_, errors, _) = try Self.catalogue()
        var codes = Set<String>()
        let pattern =
            #/(?:\.(?:invalidArgument|notFound|alreadyExists|failedPrecondition|permissionDenied|unauthenticated|resourceExhausted|unavailable|aborted|outOfRange|badRequest|forbidden|conflict|unauthorized|tooManyRequests|contentTooLarge|serviceUnavailable),\s*|reason:\s*)"([a-z][a-z0-9_]+)"/#
        for source in try Self.serviceSources() {
            for match in source.matches(of: pattern) { codes.insert(String(match.output.1)) }
        }
        #expect(codes.count > 80, "the scan finds the services' codes")
        for code in codes.sorted() {
            #expect(errors.contains(code), "no Chinese sentence for the error code \(code)")
        }
    }

    /// Every field an error names (written as a literal in the sources) has a name in Chinese: an
    /// operation's parameter the checklist's name, any other field one in the `fields` export.
    @Test func everyFieldAnErrorNamesHasAName() throws {
        let (texts, _, fields) = try Self.catalogue()
        var named = Set<String>()
        for source in try Self.serviceSources() {
            for match in source.matches(of: #/field:\s*"([^"]+)"/#) { named.insert(String(match.output.1)) }
        }
        #expect(named.count > 25, "the scan finds the fields errors name")
        for field in named.sorted() {
            // `steps[\(index)].parameters.object`: the step is numbered on the page; the rest is named.
            let name = field.replacing(#/^steps\[[^\]]*\]\./#, with: "")
            if name.hasPrefix("parameters.") {
                let parameter = name.dropFirst("parameters.".count).replacingOccurrences(of: "_", with: " ")
                // `parameters.\(name)`: any parameter of the catalogue, which the test above covers.
                guard !parameter.hasPrefix("\\(") else { continue }
                #expect(texts[parameter] != nil, "no Chinese name for the parameter of \(field)")
            } else if !name.hasPrefix("\\(") {
                #expect(fields.contains(name), "no Chinese name for the field \(field)")
            }
        }
    }
}
