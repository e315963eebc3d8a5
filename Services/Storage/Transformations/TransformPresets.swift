import Foundation
import ImageSwissProtos
import Operations
import Postgres
import RPC
import ServiceRuntime

/// An owner's named option sets for transformation links (`pr:thumb`). Changing a preset changes
/// what new requests of a link compute: derivatives are keyed by the expanded options, so an old
/// derivative is simply no longer asked for.
extension BlobStore {
    func putTransformPreset(_ caller: RPCCaller, _ request: StoragePutTransformPresetRequest, maxSide: Int)
        async throws -> StorageTransformPreset
    {
        guard TransformOptions.isPresetName(request.name) else {
            throw failure.invalid("name", "preset names are 1 to 40 of a-z, 0-9, - and _")
        }
        guard request.options.utf8.count <= 512 else { throw failure.invalid("options", "at most 512 bytes") }
        do {
            _ = try TransformOptions.parsePreset(request.options, maxSide: maxSide)
        } catch {
            throw failure.invalid("options", error.description)
        }
        return try await self.database.transaction { session in
            _ = try await session.query(StorageStatements.lock, ["transform-presets:\(caller.id)"])
            let count = try await session.query(
                "SELECT count(*) AS n FROM transform_presets WHERE owner_id = $1 AND name <> $2",
                [caller.id, request.name]
            ).first!.decode("n", as: Int.self)
            guard count < self.configuration.maxTransformPresets else {
                throw failure.error(
                    .resourceExhausted, "too_many_presets",
                    "an account has at most \(self.configuration.maxTransformPresets) presets")
            }
            let row = try await session.query(
                """
                INSERT INTO transform_presets (owner_id, name, options) VALUES ($1, $2, $3)
                ON CONFLICT (owner_id, name) DO UPDATE SET options = excluded.options, updated_at = now()
                RETURNING \(Self.presetColumns)
                """, [caller.id, request.name, request.options]
            ).first!
            return try Self.preset(row)
        }
    }

    func listTransformPresets(_ caller: RPCCaller) async throws -> StorageListTransformPresetsResponse {
        var response = StorageListTransformPresetsResponse()
        response.presets = try await self.database.query(
            "SELECT \(Self.presetColumns) FROM transform_presets WHERE owner_id = $1 ORDER BY name", [caller.id]
        ).map(Self.preset)
        return response
    }

    func deleteTransformPreset(_ caller: RPCCaller, _ name: String) async throws {
        let deleted = try await self.database.execute(
            "DELETE FROM transform_presets WHERE owner_id = $1 AND name = $2", [caller.id, name])
        guard deleted == 1 else { throw failure.notFound("preset") }
    }

    /// The owner's presets among `names`, parsed.
    func transformPresets(_ names: [String], owner: String, maxSide: Int) async throws -> [String: TransformOptions] {
        guard !names.isEmpty else { return [:] }
        var presets: [String: TransformOptions] = [:]
        for row in try await self.database.query(
            "SELECT name, options FROM transform_presets WHERE owner_id = $1 AND name = ANY ($2::text[])",
            [owner, "{\(Set(names).joined(separator: ","))}"])
        {
            // Names are [a-z0-9_-]: safe inside the array literal.
            presets[try row.decode("name")] = try? TransformOptions.parsePreset(
                try row.decode("options"), maxSide: maxSide)
        }
        return presets
    }

    private static let presetColumns =
        "name, options, (extract(epoch FROM updated_at) * 1000000)::bigint AS updated_us"

    private static func preset(_ row: PostgresRow) throws -> StorageTransformPreset {
        var preset = StorageTransformPreset()
        preset.name = try row.decode("name")
        preset.options = try row.decode("options")
        preset.updatedAt = .micros(try row.decode("updated_us"))
        return preset
    }
}
