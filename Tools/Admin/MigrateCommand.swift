import ArgumentParser
import Auth
import Billing
import Foundation
import ImageSwissProtos
import Jobs
import Postgres
import ServiceRuntime
import Storage

/// `migrate --check`: for each service with a database, whether its database's schema is the one
/// this release (the tool's own build) carries — before a rollout, what the new release will apply
/// at its start (or as a MIGRATE_ONLY job), and after a rollback, what a newer release applied that
/// this one does not know. Exit 1 unless every database is exactly at this release's schema.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Compare each database's schema with this release's migrations.")
    @Flag(help: "Only compare; change nothing (the services migrate themselves at start).") var check = false
    @OptionGroup var common: CommonOptions

    /// This release's schema of each service with a database.
    static let releases: [(ServiceEntry, URL?)] = [
        (ServiceCatalog.auth, AuthApp.schema), (ServiceCatalog.billing, BillingApp.schema),
        (ServiceCatalog.jobs, JobsApp.schema), (ServiceCatalog.storage, StorageApp.schema),
    ]

    func run() async throws {
        guard self.check else { throw ValidationError("only --check is offered: services migrate at start") }
        let connection = AdminConnection()
        var current = true
        var report: [[String: Any]] = []
        for (service, directory) in Self.releases {
            guard let directory else { throw ValidationError("\(service.name)'s migrations are not bundled") }
            let release = try DatabaseSchema(directory: directory).migrations.map { ($0.version, $0.name) }
            let answer = try await connection.call(service, SchemaMethods.status, SchemaStatusRequest())
            let applied = Set(answer.applied.map { Int($0.version) })
            let pending = release.filter { !applied.contains($0.0) }.map { "\(String(format: "%04d", $0.0))_\($0.1)" }
            let known = Set(release.map(\.0))
            let ahead = answer.applied.filter { !known.contains(Int($0.version)) }.map {
                "\(String(format: "%04d", $0.version))_\($0.name)"
            }
            current = current && pending.isEmpty && ahead.isEmpty
            report.append([
                "service": service.name, "applied": answer.applied.count, "pending": pending, "ahead": ahead,
                "release_latest": release.map(\.0).max() ?? 0,
            ])
            if !self.common.json {
                if pending.isEmpty && ahead.isEmpty {
                    print("\(service.name): up to date (\(answer.applied.count) migrations)")
                }
                if !pending.isEmpty {
                    print("\(service.name): \(pending.count) pending for this release: \(pending.joined(separator: ", "))")
                }
                if !ahead.isEmpty {
                    print(
                        "\(service.name): the database is ahead of this release: \(ahead.joined(separator: ", ")) (a newer release applied them)"
                    )
                }
            }
        }
        if self.common.json {
            let object: [String: Any] = ["current": current, "services": report]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        }
        if !current { throw ExitCode(1) }
    }
}
