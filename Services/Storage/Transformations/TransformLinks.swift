import Foundation
import ImageSwissProtos
import Operations
import Postgres
import RPC
import ServiceRuntime

/// Transformation links: signing one for an owner's file, and resolving a request's link to the
/// source, the canonical transformation and — when it was computed before — the derivative.
extension BlobStore {
    /// Every refusal of a link is the same: an unknown file, another owner's, a bad signature.
    static var invalidLink: RPCError {
        failure.error(.permissionDenied, "invalid_signature", "this transformation link is not valid")
    }

    func resolveTransform(_ request: StorageResolveTransformRequest) async throws -> StorageResolvedTransform {
        guard let id = UUID(text: request.fileID),
            let row = try await self.database.query(StorageStatements.transformSource, [id]).first
        else { throw Self.invalidLink }
        let source = try BlobRecord(row)
        let secrets = (try row.decodeIfPresent("secrets", as: String.self) ?? "").split(separator: " ").map(String.init)
        guard TransformSignature.verify(request.signature, path: request.signedPath, secrets: secrets) else {
            throw Self.invalidLink
        }
        let maxSide = Int(request.maxSide == 0 ? UInt32(TransformOptions.defaultMaxSide) : request.maxSide)
        let options: TransformOptions
        do {
            let parsed = try TransformOptions.parse(
                request.options.map { Substring($0) },
                extension: request.extension.isEmpty ? nil : Substring(request.extension), maxSide: maxSide)
            options = try parsed.expanded(
                with: try await self.transformPresets(parsed.presets, owner: source.ownerID, maxSide: maxSide))
        } catch let problem as TransformProblem {
            throw failure.error(.invalidArgument, "invalid_options", problem.description, field: "options")
        }
        let format = options.outputFormat(accept: request.accept, sourceContentType: source.contentType)
        var resolved = StorageResolvedTransform()
        resolved.ownerID = source.ownerID
        resolved.source = source.message
        resolved.transform = options.canonical(format: format)
        resolved.varyAccept = options.format == "auto"
        if let row = try await self.database.query(StorageStatements.derivative, [id, resolved.transform]).first {
            let derivative = try BlobRecord(row)
            resolved.derivative = derivative.message
            if derivative.byteSize <= Int64(self.configuration.readChunkBytes) {
                let bytes = try await self.mapped {
                    try await self.backend.read(derivative.sha256, offset: 0, length: Int(derivative.byteSize))
                }
                resolved.data = Data(bytes)
            }
        }
        return resolved
    }

    /// A link for the caller's file, signed with the caller's newest key (made when there is none).
    func signTransform(_ caller: RPCCaller, _ request: StorageSignTransformRequest) async throws
        -> StorageSignedTransform
    {
        let source = try await self.blob(try failure.parseID(request.fileID, "blob"), owner: caller.id)
        guard source.derivedFrom == nil else { throw failure.notFound("blob") }
        let maxSide = Int(request.maxSide == 0 ? UInt32(TransformOptions.defaultMaxSide) : request.maxSide)
        let segments = request.options.split(separator: "/")
        guard request.options.utf8.count <= 512, !segments.isEmpty else {
            throw failure.invalid("options", "1 to 512 bytes of options")
        }
        do {
            let parsed = try TransformOptions.parse(
                segments, extension: request.extension.isEmpty ? nil : Substring(request.extension), maxSide: maxSide)
            _ = try parsed.expanded(
                with: try await self.transformPresets(parsed.presets, owner: caller.id, maxSide: maxSide))
        } catch let problem as TransformProblem {
            throw failure.error(.invalidArgument, "invalid_options", problem.description, field: "options")
        }
        var keys = try await self.listTransformKeys(caller).keys
        if keys.isEmpty {
            var create = StorageCreateTransformKeyRequest()
            create.idempotencyKey = "first-key"
            _ = try await self.createTransformKey(caller, create)
            keys = try await self.listTransformKeys(caller).keys
        }
        let secret = try await self.transformSecrets(of: caller.id).first!
        let path =
            "/\(segments.joined(separator: "/"))/\(source.id.lowercasedText)"
            + (request.extension.isEmpty ? "" : ".\(request.extension)")
        var signed = StorageSignedTransform()
        signed.path = "/t/\(TransformSignature.sign(path, secret: secret))\(path)"
        signed.keyID = keys[0].keyID
        return signed
    }
}
