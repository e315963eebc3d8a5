import Foundation
import TestSupport
import Testing

/// The expand/contract rule (docs/operations.md), checked against the previous release's SQL from git:
/// a release adds and never removes what the previous one reads, and every schema change — a function's
/// text included — comes with a new migration version, so that an older binary can tell it is older.
@Suite("expand, then contract")
struct ExpandContractTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let services = ["auth", "billing", "jobs", "storage"]
    /// Statements that remove or narrow what a running release may read or write.
    static let contracting = try! NSRegularExpression(
        pattern:
            #"DROP\s+(TABLE|COLUMN|VIEW|TYPE)|RENAME\s|ALTER\s+COLUMN\s+\S+\s+(TYPE|SET\s+NOT\s+NULL)|ADD\s+COLUMN\s+[^;,]*NOT\s+NULL(?![^;,]*DEFAULT)"#,
        options: [.caseInsensitive])

    static var previousRelease: String {
        get throws {
            let text = try String(contentsOf: root.appendingPathComponent("deploy/previous-release"), encoding: .utf8)
            return String(text.split(separator: "\n").first!)
        }
    }

    static func git(_ arguments: [String]) async throws -> String {
        let result = try await runWithStatus("/usr/bin/git", ["-C", root.path] + arguments)
        guard result.status == 0 else { throw TestSupportError("git \(arguments): \(result.output)") }
        return result.output
    }

    static func version(_ name: String) -> Int { Int(name.prefix(4)) ?? 0 }

    @Test func migrationsSincePreviousReleaseOnlyExpand() async throws {
        let previous = try Self.previousRelease
        for service in Self.services {
            let folder = "Services/\(service.capitalized)/SQL"
            let before = Set(
                try await Self.git(["ls-tree", "--name-only", previous, "\(folder)/migrations/"]).split(separator: "\n")
                    .map { String($0.split(separator: "/").last!) })
            let now = try FileManager.default.contentsOfDirectory(
                atPath: Self.root.appendingPathComponent("\(folder)/migrations").path
            ).filter { $0.hasSuffix(".sql") }
            for name in now where !before.contains(name) {
                let text = try String(
                    contentsOf: Self.root.appendingPathComponent("\(folder)/migrations/\(name)"), encoding: .utf8)
                let statements = text.split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n")
                let found = Self.contracting.firstMatch(
                    in: statements, range: NSRange(statements.startIndex..., in: statements))
                #expect(
                    found == nil || text.contains("-- contract:"),
                    "\(service) \(name) removes or narrows what the previous release reads; contract only a release later, with a `-- contract:` line saying why it is safe"
                )
            }
            // A table whose row type the previous release's functions return or hold keeps its columns.
            let rowTypes = try await Self.rowTypesUsedByFunctions(at: previous, in: folder)
            for name in now where !before.contains(name) {
                let text = try String(
                    contentsOf: Self.root.appendingPathComponent("\(folder)/migrations/\(name)"), encoding: .utf8)
                for table in Self.tablesWhoseColumnsChange(text) where rowTypes.contains(table) {
                    Issue.record(
                        "\(service) \(name) changes the columns of \(table), whose row type the previous release's functions use: its sessions keep the old row type until they next take a lock, so its calls in flight fail; put new columns in a table of their own"
                    )
                }
            }
            // A changed or new function needs a newer migration version than the previous release had.
            let previousMax = before.map(Self.version).max() ?? 0
            let currentMax = now.map(Self.version).max() ?? 0
            let functions = try FileManager.default.contentsOfDirectory(
                atPath: Self.root.appendingPathComponent("\(folder)/functions").path)
            for file in functions where file.hasSuffix(".sql") {
                let current = try String(
                    contentsOf: Self.root.appendingPathComponent("\(folder)/functions/\(file)"), encoding: .utf8)
                let old = try? await Self.git(["show", "\(previous):\(folder)/functions/\(file)"])
                if old != current {
                    #expect(
                        currentMax > previousMax,
                        "\(service)'s function \(file) changed since the previous release: add a migration (even one that only records the change) so that the previous release's binaries leave the new function in place"
                    )
                }
            }
        }
    }

    /// Tables named as a row type (`RETURNS SETOF t`, `RETURNS t`, `v t;`, `t%ROWTYPE`) in the
    /// functions of `commit`.
    static func rowTypesUsedByFunctions(at commit: String, in folder: String) async throws -> Set<String> {
        let tables = Set(
            try await Self.git([
                "grep", "-h", "-i", "-o", "CREATE TABLE [a-z_]*", commit, "--", "\(folder)/migrations/",
            ])
            .split(separator: "\n").compactMap { $0.split(separator: " ").last.map { String($0).lowercased() } })
        let files = try await Self.git(["ls-tree", "--name-only", commit, "\(folder)/functions/"]).split(
            separator: "\n")
        var used: Set<String> = []
        for file in files where file.hasSuffix(".sql") {
            let text = try await Self.git(["show", "\(commit):\(file)"]).lowercased()
            used.formUnion(Self.rowTypeNames(text).filter(tables.contains))
        }
        return used
    }

    static let rowTypeUse = try! NSRegularExpression(
        pattern: #"returns\s+(?:setof\s+)?([a-z_]+)|^\s*[a-z_]+\s+([a-z_]+)\s*;|([a-z_]+)%rowtype"#,
        options: [.caseInsensitive, .anchorsMatchLines])
    static let columnChange = try! NSRegularExpression(
        pattern: #"alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?([a-z_]+)[^;]*?\b(?:add|drop)\s+column"#,
        options: [.caseInsensitive])

    static func rowTypeNames(_ sql: String) -> Set<String> {
        Set(
            Self.rowTypeUse.matches(in: sql, range: NSRange(sql.startIndex..., in: sql)).flatMap { match in
                (1..<match.numberOfRanges).compactMap {
                    Range(match.range(at: $0), in: sql).map { sql[$0].lowercased() }
                }
            })
    }

    static func tablesWhoseColumnsChange(_ sql: String) -> Set<String> {
        Set(
            Self.columnChange.matches(in: sql, range: NSRange(sql.startIndex..., in: sql)).compactMap { match in
                Range(match.range(at: 1), in: sql).map { sql[$0].lowercased() }
            })
    }

    @Test func theRowTypeRuleSeesWhatItIsFor() {
        let seal = "RETURNS SETOF blobs LANGUAGE plpgsql AS $$\nDECLARE\n    stored blobs;\n    n holds%ROWTYPE;"
        #expect(Self.rowTypeNames(seal).isSuperset(of: ["blobs", "holds"]))
        #expect(Self.tablesWhoseColumnsChange("ALTER TABLE blobs ADD COLUMN derived_from uuid;") == ["blobs"])
        #expect(
            Self.tablesWhoseColumnsChange("ALTER TABLE blobs DROP CONSTRAINT c, ADD CONSTRAINT c CHECK (x);").isEmpty)
        #expect(Self.tablesWhoseColumnsChange("CREATE TABLE derivatives (blob_id uuid);").isEmpty)
    }

    @Test func theRuleCatchesWhatItIsFor() {
        func contracts(_ sql: String) -> Bool {
            Self.contracting.firstMatch(in: sql, range: NSRange(sql.startIndex..., in: sql)) != nil
        }
        #expect(contracts("ALTER TABLE jobs DROP COLUMN attempts;"))
        #expect(contracts("ALTER TABLE jobs RENAME COLUMN a TO b;"))
        #expect(contracts("ALTER TABLE jobs ALTER COLUMN a TYPE bigint;"))
        #expect(contracts("ALTER TABLE jobs ALTER COLUMN a SET NOT NULL;"))
        #expect(contracts("ALTER TABLE jobs ADD COLUMN b int NOT NULL;"))
        #expect(contracts("DROP TABLE old_things;"))
        #expect(!contracts("ALTER TABLE jobs ADD COLUMN b int NOT NULL DEFAULT 0;"))
        #expect(!contracts("CREATE TABLE upload_chunks (upload_id uuid NOT NULL, data bytea NOT NULL);"))
        #expect(!contracts("CREATE INDEX ON jobs (owner_id);"))
    }
}
