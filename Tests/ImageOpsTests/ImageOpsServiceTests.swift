import Foundation
import ImageSamples
import ImageSwissProtos
import RPC
import TestSupport
import Testing
import Vips

@Suite("ImageOps service through its process")
struct ImageOpsServiceTests {
    @Test func inspectReadsTheHeader() async throws {
        let service = try await ImageOpsProcess.start()
        var request = ImageOpsInspectRequest()
        request.image = Data(try Samples.photo(width: 640, height: 480))
        let info = try await service.client.unary(ImageOpsMethods.inspect, request)
        #expect((info.width, info.height, info.format, info.frameCount) == (640, 480, "jpeg", 1))
        #expect(info.colorSpace == "srgb" && !info.hasGps_p)
        try await service.stop()
    }

    @Test func resizeAndConvertProduceWhatWasAsked() async throws {
        let service = try await ImageOpsProcess.start()
        let jpeg = try Samples.photo(width: 1200, height: 900)
        let webp = try await service.process(
            jpeg, [("resize", ["width": "512", "height": "512"]), ("convert", ["format": "webp", "quality": "80"])])
        #expect(webp.contentType == "image/webp")
        let decoded = try VipsImage.load(Array(webp.image))
        #expect((decoded.width, decoded.height) == (512, 384))
        #expect((webp.info.width, webp.info.height, webp.info.format) == (512, 384, "webp"))

        // Without convert the input's format is kept.
        let sameFormat = try await service.process(jpeg, [("resize", ["width": "100"])])
        #expect(sameFormat.contentType == "image/jpeg")
        // fill crops to the exact box; exact stretches.
        let filled = try VipsImage.load(
            Array(
                try await service.process(jpeg, [("resize", ["width": "300", "height": "300", "mode": "fill"])]).image))
        #expect((filled.width, filled.height) == (300, 300))
        let exact = try VipsImage.load(
            Array(
                try await service.process(jpeg, [("resize", ["width": "300", "height": "100", "mode": "exact"])]).image)
        )
        #expect((exact.width, exact.height) == (300, 100))
        let restored = try await service.process(jpeg, [("resize", ["width": "300"]), ("restore", [:])])
        #expect((restored.info.width, restored.info.height, restored.contentType) == (300, 225, "image/jpeg"))
        try await service.stop()
    }

    @Test func pipelineStepsCompose() async throws {
        let service = try await ImageOpsProcess.start()
        let jpeg = try Samples.photo(width: 400, height: 300)
        let result = try await service.process(
            jpeg,
            [
                ("crop", ["left": "0", "top": "0", "width": "200", "height": "100"]),
                ("rotate", ["degrees": "90"]),
                ("grayscale", [:]),
                ("blur", ["sigma": "1.5"]),
                ("adjust", ["brightness": "0.1", "contrast": "1.2"]),
                ("gamma", ["gamma": "1.5"]),
                ("convert", ["format": "png"]),
            ])
        let image = try VipsImage.load(Array(result.image))
        #expect((image.width, image.height) == (100, 200))
        #expect(image.bands == 1)
        #expect(result.contentType == "image/png")
        // The tier cap (480p for free users) applies after the steps, to the short side: 480p is 640×480 for 4:3.
        let capped = try await service.process(
            try Samples.photo(width: 1600, height: 1200), [("sharpen", [:])], maxOutputEdge: 480)
        #expect((capped.info.width, capped.info.height) == (640, 480))
        let portrait = try await service.process(
            try Samples.photo(width: 900, height: 1600), [("sharpen", [:])], maxOutputEdge: 720)
        #expect((portrait.info.width, portrait.info.height) == (720, 1280))
        let within = try await service.process(
            try Samples.photo(width: 1000, height: 480), [("sharpen", [:])], maxOutputEdge: 480)
        #expect((within.info.width, within.info.height) == (1000, 480), "a short side at the cap is left alone")
        try await service.stop()
    }

    /// A photographed print cut out by four corners given as fractions of the picture: a rectangle
    /// as long as the quadrilateral's longer edges.
    @Test func perspectiveTakesCornersAsFractions() async throws {
        let service = try await ImageOpsProcess.start()
        let corners = [
            "top_left_x": "0.1", "top_left_y": "0.1", "top_right_x": "0.9", "top_right_y": "0.1",
            "bottom_right_x": "0.9", "bottom_right_y": "0.9", "bottom_left_x": "0.1", "bottom_left_y": "0.9",
        ]
        let result = try await service.process(try Samples.photo(width: 400, height: 300), [("perspective", corners)])
        #expect((result.info.width, result.info.height) == (320, 240))
        var crossed = corners
        (crossed["top_right_x"], crossed["bottom_left_x"]) = ("0.1", "0.9")
        await #expect(throws: (any Error).self) {
            try await service.process(try Samples.photo(width: 400, height: 300), [("perspective", crossed)])
        }
        try await service.stop()
    }

    @Test func resizeMatchesLibvipsOwnCommandLine() async throws {
        let service = try await ImageOpsProcess.start()
        let jpeg = try Samples.photo(width: 1200, height: 900)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vipsthumb-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = FileManager.default.createFile(atPath: directory + "/in.jpg", contents: Data(jpeg))
        try await run(
            "/usr/bin/vipsthumbnail", [directory + "/in.jpg", "--size", "512x512", "-o", directory + "/out.png"])
        let reference = try VipsImage.load(Array(FileManager.default.contents(atPath: directory + "/out.png")!))
        let ours = try VipsImage.load(
            Array(
                try await service.process(
                    jpeg, [("resize", ["width": "512", "height": "512"]), ("convert", ["format": "png"])]
                ).image))
        #expect((ours.width, ours.height) == (reference.width, reference.height))
        #expect(try Samples.psnr(ours, reference) > 45)
        try await service.stop()
    }

    @Test func hostileInputGetsClearErrorsAndTheServiceKeepsServing() async throws {
        let service = try await ImageOpsProcess.start()
        let jpeg = try Samples.photo(width: 640, height: 480)
        func reason(_ image: [UInt8], _ steps: [(String, [String: String])]) async -> (RPCStatusCode, String)? {
            do {
                _ = try await service.process(image, steps)
                return nil
            } catch let error as RPCError {
                return (error.code, error.detail(CommonErrorInfo.self)?.reason ?? error.message)
            } catch { return nil }
        }
        var bomb: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        bomb += [0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 2, 0, 0, 0]  // 30000 × 30000
        bomb += [0x4A, 0x5C, 0x6E, 0x7A]  // (the CRC is wrong: refused either way, never decoded)
        let results = [
            await reason([], [("resize", ["width": "10"])]),
            await reason(Array("not an image".utf8), []),
            await reason(Array(jpeg.prefix(jpeg.count / 2)), [("convert", ["format": "png"])]),
            // The same through the resize fast path, which must not return half a picture either.
            await reason(Array(jpeg.prefix(jpeg.count / 2)), [("resize", ["width": "100"])]),
            await reason(bomb, [("resize", ["width": "10"])]),
            await reason(jpeg, [("explode", [:])]),
            await reason(jpeg, [("resize", ["width": "ten"])]),
            await reason(jpeg, [("crop", ["left": "600", "top": "0", "width": "100", "height": "10"])]),
            await reason(jpeg, Array(repeating: ("grayscale", [:]), count: 17)),
        ]
        for result in results {
            #expect(result?.0 == .invalidArgument, "\(String(describing: result))")
        }
        #expect(results[0]?.1 == "unsupported_image")
        #expect(results[2]?.1 == "corrupt_image")
        #expect(results[3]?.1 == "corrupt_image")
        #expect(results[5]?.1.contains("unknown operation") == true)
        // Still serving.
        #expect(try await service.process(jpeg, [("resize", ["width": "64"])]).info.width == 64)
        // libvips' own warnings about the truncated file went to the service's log, not bare stderr.
        let log = service.child.output
        #expect(log.contains("libvips") && log.contains("warning"), "\(log.suffix(2000))")
        #expect(!log.contains("VIPS-WARNING"))
        try await service.stop()
    }

    @Test func saturatedWorkersAnswerResourceExhausted() async throws {
        let service = try await ImageOpsProcess.start(["IMAGEOPS_WORKERS": "1", "IMAGEOPS_QUEUE": "0"])
        let big = try Samples.photo(width: 3000, height: 2000)
        let codes = await withTaskGroup(of: RPCStatusCode.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    do {
                        _ = try await service.process(big, [("blur", ["sigma": "8"]), ("convert", ["format": "png"])])
                        return .ok
                    } catch let error as RPCError { return error.code } catch { return .unknown }
                }
            }
            var codes: [RPCStatusCode] = []
            for await code in group { codes.append(code) }
            return codes
        }
        #expect(codes.contains(.ok))
        #expect(codes.contains(.resourceExhausted))
        #expect(codes.allSatisfy { $0 == .ok || $0 == .resourceExhausted })
        try await service.stop()
    }

    @Test func theOperationTimeoutStopsThePixelWork() async throws {
        // One worker and no queue: a call made while the worker is still busy is refused at once
        // (RESOURCE_EXHAUSTED), so the call after the timeout proves the work stopped, with no clock.
        let service = try await ImageOpsProcess.start([
            "IMAGEOPS_OPERATION_TIMEOUT_MS": "300", "IMAGEOPS_WORKERS": "1", "IMAGEOPS_QUEUE": "0",
        ])
        let big = try Samples.photo(width: 3000, height: 2000)
        // A JPEG result small enough to be computed on the worker's thread, and a PNG one that
        // streams through libvips' saver: the timeout stops both.
        for format in ["jpeg", "png"] {
            do {
                _ = try await service.process(big, [("blur", ["sigma": "60"]), ("convert", ["format": format])])
                Issue.record("a \(format) blur of sigma 60 on 6 MP finished within 300 ms")
            } catch let error as RPCError {
                #expect(error.code == .deadlineExceeded, "\(format): \(error)")
            }
            // Stopped, not merely abandoned: the only worker is free again at once.
            #expect(try await service.process(big, [("resize", ["width": "64"])]).info.width == 64, "\(format)")
        }
        try await service.stop()
    }
}

@Suite("ImageOps deduplication through its process")
struct ImageOpsDeduplicationTests {
    @Test func hashThenGroupFindsTheNearCopies() async throws {
        let service = try await ImageOpsProcess.start()
        // 0 and 3 are the same picture (re-encoded smaller); 1 and 2 are different pictures.
        let files = try Samples.nearCopies()
        var hashes: [UInt64] = []
        for file in files {
            var request = ImageOpsInspectRequest()
            request.image = Data(file)
            hashes.append(try await service.client.unary(ImageOpsMethods.hash, request).dhash)
        }
        var group = ImageOpsGroupDuplicatesRequest()
        group.hashes = hashes
        let groups = try await service.client.unary(ImageOpsMethods.groupDuplicates, group).groups.map(\.indexes)
        #expect(groups == [[0, 3]])
        group.maxDistance = 99
        await #expect(throws: RPCError.self) { try await service.client.unary(ImageOpsMethods.groupDuplicates, group) }
        try await service.stop()
    }
}

@Suite("ImageOps OCR through its process")
struct ImageOpsOCRTests {
    @Test func readsTextWithWordBoxes() async throws {
        let service = try await ImageOpsProcess.start()
        var request = ImageOpsOcrRequest()
        request.image = Data(try Samples.text("HELLO WORLD 42"))
        let result = try await service.client.unary(ImageOpsMethods.ocr, request, options: .init(timeout: .seconds(30)))
        #expect(result.text == "HELLO WORLD 42")
        #expect(result.words.map(\.text) == ["HELLO", "WORLD", "42"])
        // Words left to right, inside the 40-pixel margin, confident.
        #expect(result.words.map(\.left) == result.words.map(\.left).sorted())
        #expect(
            result.words.allSatisfy {
                $0.left >= 30 && $0.top >= 30 && $0.width > 0 && $0.height > 0 && $0.confidence > 60
            })

        request.languages = "xx; rm -rf"
        let error = await #expect(throws: RPCError.self) {
            try await service.client.unary(ImageOpsMethods.ocr, request)
        }
        #expect(error?.code == .invalidArgument)
        try await service.stop()
    }
}
