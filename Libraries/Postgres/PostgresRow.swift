/// One result row, decoded on demand by column name or position.
public struct PostgresRow: Sendable {
    /// Shared by every row of a result.
    let columns: PostgresColumns
    let values: [String?]

    /// The column names, in order.
    public var columnNames: [String] { self.columns.names }

    /// The value of a non-null column.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let value = try self.decodeIfPresent(column, as: type) else {
            throw PostgresError(.decoding, "column '\(column)' is NULL")
        }
        return value
    }

    /// The value of a column, or nil when it is NULL.
    public func decodeIfPresent<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T? {
        guard let index = self.columns.index[column] else {
            throw PostgresError(.decoding, "no column '\(column)' in \(self.columns.names)")
        }
        return try self.decodeIfPresent(at: index, as: type)
    }

    public func decode<T: PostgresDecodable>(at index: Int, as type: T.Type = T.self) throws -> T {
        guard let value = try self.decodeIfPresent(at: index, as: type) else {
            throw PostgresError(.decoding, "column \(index) is NULL")
        }
        return value
    }

    public func decodeIfPresent<T: PostgresDecodable>(at index: Int, as type: T.Type = T.self) throws -> T? {
        guard self.values.indices.contains(index) else { throw PostgresError(.decoding, "no column \(index)") }
        return try self.values[index].map { try T.decode(postgresText: $0) }
    }
}

/// Column names of a result and their positions.
final class PostgresColumns: Sendable {
    let names: [String]
    let index: [String: Int]

    init(names: [String]) {
        self.names = names
        self.index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// What a statement returned: its rows and, for INSERT/UPDATE/DELETE, how many rows it touched.
public struct PostgresResult: Sendable {
    public let rows: [PostgresRow]
    public let affectedRows: Int
}
