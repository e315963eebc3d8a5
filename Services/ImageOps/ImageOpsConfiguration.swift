import NIOCore
import ServiceRuntime
import Vips

/// ImageOps' limits; every one has a default and an environment name (docs/configuration.md).
struct ImageOpsConfiguration: Sendable {
    var limits = ImageLimits()
    /// IMAGEOPS_WORKERS: threads running libvips operations (default: one per core).
    var workers = System.coreCount
    /// IMAGEOPS_QUEUE: calls that may wait for a worker; beyond workers + queue: RESOURCE_EXHAUSTED.
    var queue = 16
    /// IMAGEOPS_MAX_STEPS: steps in one pipeline.
    var maxSteps = 16
    /// IMAGEOPS_OCR_LANGUAGES: tesseract languages used when a call names none.
    var ocrLanguages = "eng"
    /// IMAGEOPS_MAX_HASHES: hashes one GroupDuplicates call may compare (pairwise: n² / 2).
    var maxHashes = 10_000
    /// IMAGEOPS_OPERATION_TIMEOUT_MS: one call's pixel work, at most.
    var operationTimeout: Duration = .seconds(60)

    init() {}

    init(_ configuration: ServiceConfiguration) throws {
        self.limits.maxPixels = try configuration.int("IMAGEOPS_MAX_MEGAPIXELS", default: 50) * 1_000_000
        self.limits.maxInputBytes = try configuration.int(
            "IMAGEOPS_MAX_INPUT_BYTES", default: self.limits.maxInputBytes)
        self.limits.maxFrames = try configuration.int("IMAGEOPS_MAX_FRAMES", default: self.limits.maxFrames)
        self.workers = max(1, try configuration.int("IMAGEOPS_WORKERS", default: self.workers))
        self.queue = max(0, try configuration.int("IMAGEOPS_QUEUE", default: self.queue))
        self.maxSteps = max(1, try configuration.int("IMAGEOPS_MAX_STEPS", default: self.maxSteps))
        self.ocrLanguages = configuration.string("IMAGEOPS_OCR_LANGUAGES", default: self.ocrLanguages)
        self.maxHashes = max(1, try configuration.int("IMAGEOPS_MAX_HASHES", default: self.maxHashes))
        self.operationTimeout = try configuration.milliseconds(
            "IMAGEOPS_OPERATION_TIMEOUT_MS", default: self.operationTimeout)
    }
}
