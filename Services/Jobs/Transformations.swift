import Crypto
import Foundation
import ImageSwissProtos
import Operations
import RPC
import ServiceRuntime

/// A URL transformation's first request, for the file's owner (the edge calls after Storage
/// checked the link's signature): priced like a checklist of the same steps, held, computed by
/// ImageOps, stored as the file's derivative, captured. Every step is keyed by file and
/// transformation, so requests racing for the same derivative hold, store and capture one thing:
/// the owner is charged once.
struct Transformations: Sendable {
    let storage: StorageAccess
    let billing: RPCClient
    let imageOps: RPCClient

    func transform(_ caller: RPCCaller, _ request: JobsTransformRequest) async throws -> JobsTransformResponse {
        let maxSide = Int(request.maxSide == 0 ? UInt32(TransformOptions.defaultMaxSide) : request.maxSide)
        let options: TransformOptions
        do {
            options = try TransformOptions.parse(request.transform.split(separator: "/"), maxSide: maxSide)
        } catch {
            throw failure.error(.invalidArgument, "invalid_options", error.description, field: "transform")
        }
        guard let format = options.format, format != "auto", options.presets.isEmpty,
            options.canonical(format: format) == request.transform
        else {
            throw failure.invalid("transform", "a canonical transformation, as Storage resolves it")
        }
        let (source, image) = try await self.storage.read(request.fileID, owner: caller.id)
        let sourceFormat = TransformOptions.format(ofContentType: source.contentType)
        guard source.contentType.hasPrefix("image/"), source.width > 0 else {
            throw failure.error(
                .invalidArgument, "input_not_image", "\(request.fileID.prefix(64)) is not a picture", field: "file_id")
        }
        let steps = options.steps(
            sourceWidth: Int(source.width), sourceHeight: Int(source.height), sourceFormat: sourceFormat ?? "",
            format: format, maxSide: maxSide)
        var operations: [String] = []
        for step in steps {
            let spec = OperationCatalog.named(step.operation)!
            do { try spec.check(step.parameters) } catch {
                throw failure.error(.invalidArgument, "invalid_options", error.description, field: "transform")
            }
            operations.append(spec.billingName)
        }
        let key = Self.key(file: source.blobID, transform: request.transform)
        let credits = try await self.price(Array(Set(operations)).sorted(), source: source, owner: caller.id)
        let hold = credits > 0 ? try await self.hold(credits, file: source.blobID, key: key, owner: caller.id) : nil
        let stored: (StorageBlob, Data)
        do {
            let output = try await self.process(image, steps: steps)
            let blob = try await self.store(
                output, source: source, transform: request.transform, key: key, owner: caller.id)
            stored = (blob, output.image)
        } catch {
            if let hold { await self.release(hold, key: key, owner: caller.id) }
            throw error
        }
        if let hold { try await self.capture(hold, credits, key: key, owner: caller.id) }
        var response = JobsTransformResponse()
        response.derivative = stored.0
        response.data = stored.1
        response.credits = credits
        return response
    }

    /// One key per file and transformation for the hold, the stored derivative and the capture.
    static func key(file: String, transform: String) -> String {
        let digest = SHA256.hash(data: Data("\(file.lowercased())\n\(transform)".utf8))
        return "transform:" + digest.map { String(format: "%02x", $0) }.joined().prefix(40)
    }

    /// Billing's price for these operations on one picture of the source's size.
    private func price(_ operations: [String], source: StorageBlob, owner: String) async throws -> Int64 {
        var item = BillingQuoteItem()
        item.operations = operations
        item.count = 1
        item.megapixelsMilli = UInt64(source.width) * UInt64(source.height) / 1000
        var quote = BillingQuoteRequest()
        quote.items = [item]
        return try await self.billing.unary(BillingMethods.quote, quote, options: Settlement.options(for: owner))
            .totalCredits
    }

    private func hold(_ credits: Int64, file: String, key: String, owner: String) async throws -> String {
        var request = BillingHoldRequest()
        request.amount = credits
        request.reference = file
        request.operation = "transform"
        request.idempotencyKey = key
        return try await self.billing.unary(BillingMethods.placeHold, request, options: Settlement.options(for: owner))
            .holdID
    }

    private func capture(_ hold: String, _ credits: Int64, key: String, owner: String) async throws {
        var request = BillingCaptureRequest()
        request.holdID = hold
        request.amount = credits
        request.idempotencyKey = key
        _ = try await self.billing.unary(BillingMethods.capture, request, options: Settlement.options(for: owner))
    }

    /// Best effort: a hold left behind expires on its own (BILLING_HOLD_TTL).
    private func release(_ hold: String, key: String, owner: String) async {
        var request = BillingReleaseRequest()
        request.holdID = hold
        request.idempotencyKey = key
        _ = try? await self.billing.unary(BillingMethods.release, request, options: Settlement.options(for: owner))
    }

    private func process(_ image: Data, steps: [TransformOptions.Step]) async throws -> ImageOpsProcessResponse {
        var request = ImageOpsProcessRequest()
        request.image = image
        request.steps = steps.map { step in
            var converted = ImageOpsStep()
            converted.operation = step.operation
            converted.parameters = step.parameters
            return converted
        }
        return try await self.imageOps.unary(ImageOpsMethods.process, request, options: .init(timeout: .seconds(60)))
    }

    private func store(
        _ output: ImageOpsProcessResponse, source: StorageBlob, transform: String, key: String, owner: String
    ) async throws -> StorageBlob {
        var put = StoragePutBlobRequest()
        put.purpose = "derivative"
        put.displayName = source.displayName
        put.data = output.image
        put.idempotencyKey = key
        put.derivedFrom = source.blobID
        put.transform = transform
        do {
            return try await self.storage.storage.unary(
                StorageMethods.putBlob, put, options: Settlement.options(for: owner, timeout: .seconds(30)))
        } catch let error as RPCError where error.detail(CommonErrorInfo.self)?.reason == "invalid_data" {
            throw failure.error(
                .resourceExhausted, "derivative_too_large",
                "the result is \(output.image.count) bytes, more than a transformation may make (STORAGE_MAX_CHUNK_BYTES); ask for a smaller size or quality"
            )
        }
    }
}
