import ImageSwissProtos
import Logging
import RPC
import Vips

/// The ImageOps RPC handlers. libvips failures become statuses a caller can act on.
struct ImageOpsHandlers: Sendable {
    let configuration: ImageOpsConfiguration
    let pool: VipsWorkPool

    init(configuration: ImageOpsConfiguration, logger: Logger) throws {
        try VipsRuntime.initialize()
        // libvips' own warnings (corrupt tiles…) into this service's log instead of bare stderr.
        VipsWarnings.route { message in logger.warning("libvips", metadata: ["message": "\(message)"]) }
        self.configuration = configuration
        self.pool = VipsWorkPool(
            workers: configuration.workers, queue: configuration.queue, timeout: configuration.operationTimeout)
    }

    func register(in router: inout RPCRouter) {
        let limits = self.configuration.limits
        let pipeline = Pipeline(limits: limits, maxSteps: self.configuration.maxSteps)
        router.register(ImageOpsMethods.inspect) { request, _ in
            try await self.pool.run { _ in
                try Self.mapped { try Inspector.info(of: Array(request.image), limits: limits) }
            }
        }
        router.register(ImageOpsMethods.process) { request, _ in
            try await self.pool.run { killSwitch in
                try Self.mapped { try pipeline.run(request, killSwitch: killSwitch) }
            }
        }
        router.register(ImageOpsMethods.hash) { request, _ in
            try await self.pool.run { _ in
                var hash = ImageOpsImageHash()
                hash.dhash = try Self.mapped { try VipsImage.differenceHash(Array(request.image), limits: limits) }
                return hash
            }
        }
        router.register(ImageOpsMethods.suggestCorners) { request, _ in
            try await self.pool.run { _ in
                var answer = ImageOpsPrintCorners()
                let corners = try Self.mapped { try VipsImage.printCorners(Array(request.image), limits: limits) }
                answer.found = corners != nil
                answer.corners = (corners ?? []).map { corner in
                    var point = ImageOpsPoint()
                    (point.x, point.y) = (corner.x, corner.y)
                    return point
                }
                return answer
            }
        }
        let reader = TextReader(limits: limits, defaultLanguages: self.configuration.ocrLanguages)
        router.register(ImageOpsMethods.ocr) { request, _ in
            try await self.pool.run { _ in try Self.mapped { try reader.read(request) } }
        }
        let maxHashes = self.configuration.maxHashes
        router.register(ImageOpsMethods.groupDuplicates) { request, _ in
            guard request.hashes.count <= maxHashes else {
                throw RPCError(.invalidArgument, "at most \(maxHashes) hashes per call, not \(request.hashes.count)")
            }
            guard request.maxDistance <= 32 else { throw RPCError(.invalidArgument, "max_distance must be 0 to 32") }
            let distance = request.maxDistance == 0 ? 10 : Int(request.maxDistance)
            var response = ImageOpsGroupDuplicatesResponse()
            response.groups = duplicateGroups(request.hashes, maxDistance: distance).map { members in
                var group = ImageOpsDuplicateGroup()
                group.indexes = members.map(UInt32.init)
                return group
            }
            return response
        }
    }

    /// Untrusted input is the caller's problem (INVALID_ARGUMENT with a reason), never INTERNAL.
    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as VipsError {
            var info = CommonErrorInfo()
            info.domain = "imageops"
            switch error.kind {
            case .unsupportedInput: info.reason = "unsupported_image"
            case .limitExceeded: info.reason = "image_too_large"
            case .invalidArgument: info.reason = "invalid_parameter"
            case .processing: info.reason = "corrupt_image"
            }
            throw RPCError(.invalidArgument, error.message, details: [RPCErrorDetail(info)])
        }
    }
}
