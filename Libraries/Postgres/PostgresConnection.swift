import CLibPQ
import Glibc

/// One libpq connection. All of this library's unsafe C code lives in this file.
///
/// Every method blocks, so the pool only calls them on its dedicated thread pool, never on an event
/// loop or Swift's cooperative pool. A connection is used by one caller at a time (the pool lends it
/// out exclusively), which is why it can be `@unchecked Sendable`.
final class PostgresConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// Names of the statements prepared on this connection.
    private var prepared: Set<String> = []

    private init(handle: OpaquePointer) { self.handle = handle }

    deinit { PQfinish(self.handle) }

    /// Connects as `configuration` says, its session settings applied.
    static func connect(_ configuration: PostgresConfiguration) throws -> PostgresConnection {
        let connection = try Self.connect(configuration.conninfo)
        if let setup = configuration.sessionSetup { try connection.executeScript(setup) }
        return connection
    }

    /// Connects with a libpq connection string or postgresql:// URL.
    private static func connect(_ conninfo: String) throws -> PostgresConnection {
        guard let handle = PQconnectdb(conninfo) else {
            throw PostgresError(.connection, "out of memory creating a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines
            PQfinish(handle)
            throw PostgresError(.connection, message)
        }
        return PostgresConnection(handle: handle)
    }

    /// False when the server closed the connection (restart, admin command) since its last use.
    ///
    /// Reading pending input is non-blocking and notices a closed socket without a round trip. A
    /// server that shuts down first sends a FATAL message and then closes: the first read consumes
    /// the message, the second sees the end of the stream, hence two reads.
    var isHealthy: Bool {
        for _ in 0..<2 {
            guard PQstatus(self.handle) == CONNECTION_OK, PQconsumeInput(self.handle) == 1 else { return false }
        }
        return PQstatus(self.handle) == CONNECTION_OK
    }

    /// Safe to lend to the next caller: connected and outside any transaction. A connection left in
    /// a transaction (its task was cancelled mid-way) or broken is dropped instead.
    var isReusable: Bool {
        PQstatus(self.handle) == CONNECTION_OK && PQtransactionStatus(self.handle) == PQTRANS_IDLE
    }

    /// Waits up to `timeoutMilliseconds` for the server to send something, then returns the
    /// notifications (LISTEN/NOTIFY) that arrived, as (channel, payload). Throws when the
    /// connection broke.
    func waitForNotifications(timeoutMilliseconds: Int32) throws -> [(channel: String, payload: String)] {
        let socket = PQsocket(self.handle)
        guard socket >= 0 else { throw PostgresError(.connection, "the connection has no socket") }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        if poll(&descriptor, 1, timeoutMilliseconds) < 0 && errno != EINTR {
            throw PostgresError(.connection, "poll failed: \(String(cString: strerror(errno)))")
        }
        guard PQconsumeInput(self.handle) == 1, PQstatus(self.handle) == CONNECTION_OK else {
            throw PostgresError(.connection, String(cString: PQerrorMessage(self.handle)).trimmingTrailingNewlines)
        }
        var notifications: [(channel: String, payload: String)] = []
        while let notification = PQnotifies(self.handle) {
            notifications.append(
                (String(cString: notification.pointee.relname), String(cString: notification.pointee.extra)))
            PQfreemem(notification)
        }
        return notifications
    }

    /// Runs one parameterized statement ($1, $2, …). Parameters never become part of the SQL text.
    func execute(_ sql: String, _ parameters: [PostgresValue]) throws -> PostgresResult {
        try self.consume(
            try Self.withParameters(parameters) { count, values, lengths, formats in
                PQexecParams(self.handle, sql, count, nil, values, lengths, formats, 0)
            })
    }

    /// Runs `statement`, preparing it on this connection the first time: later runs skip parsing,
    /// and planning too once PostgreSQL settles on a generic plan for it.
    func execute(_ statement: PostgresPreparedStatement, _ parameters: [PostgresValue]) throws -> PostgresResult {
        if !self.prepared.contains(statement.name) {
            _ = try self.consume(PQprepare(self.handle, statement.name, statement.sql, Int32(parameters.count), nil))
            self.prepared.insert(statement.name)
        }
        return try self.consume(
            try Self.withParameters(parameters) { count, values, lengths, formats in
                PQexecPrepared(self.handle, statement.name, count, values, lengths, formats, 0)
            })
    }

    /// The parameters as libpq takes them: text as C strings, bytes in binary format, nil for NULL.
    private static func withParameters(
        _ parameters: [PostgresValue],
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, [Int32], [Int32]) -> OpaquePointer?
    ) throws -> OpaquePointer? {
        var cStrings: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        cStrings.reserveCapacity(parameters.count)
        defer { for pointer in cStrings { free(pointer) } }
        for parameter in parameters {
            switch parameter {
            case .null:
                cStrings.append(nil)
                lengths.append(0)
                formats.append(0)
            case .text(let text):
                guard !text.utf8.contains(0) else {
                    throw PostgresError(.query, "a text parameter contains a NUL character", sqlState: "22021")
                }
                cStrings.append(strdup(text))
                lengths.append(0)
                formats.append(0)
            case .bytes(let bytes):
                // Binary format: libpq sends exactly `count` bytes, NULs included.
                let pointer = malloc(max(bytes.count, 1))!.assumingMemoryBound(to: CChar.self)
                bytes.withUnsafeBytes { raw in
                    if let base = raw.baseAddress {
                        pointer.update(from: base.assumingMemoryBound(to: CChar.self), count: bytes.count)
                    }
                }
                cStrings.append(pointer)
                lengths.append(Int32(bytes.count))
                formats.append(1)
            }
        }
        return cStrings.withUnsafeBufferPointer { values in
            values.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                body(Int32(parameters.count), values.baseAddress, lengths, formats)
            }
        }
    }

    /// Runs SQL text that may hold several statements and no parameters (migrations).
    func executeScript(_ sql: String) throws {
        _ = try self.consume(PQexec(self.handle, sql))
    }

    private func consume(_ result: OpaquePointer?) throws -> PostgresResult {
        guard let result else {
            throw PostgresError(.connection, String(cString: PQerrorMessage(self.handle)).trimmingTrailingNewlines)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK || status == PGRES_EMPTY_QUERY else {
            let message = String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            let kind: PostgresError.Kind = PQstatus(self.handle) == CONNECTION_OK ? .query : .connection
            throw PostgresError(kind, message, sqlState: sqlState, primaryMessage: primary)
        }
        let rowCount = Int(PQntuples(result))
        let fieldCount = Int(PQnfields(result))
        let columns = PostgresColumns(names: (0..<fieldCount).map { String(cString: PQfname(result, Int32($0))) })
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<Int32(rowCount) {
            var values: [String?] = []
            values.reserveCapacity(fieldCount)
            for field in 0..<Int32(fieldCount) {
                values.append(
                    PQgetisnull(result, row, field) == 1 ? nil : String(cString: PQgetvalue(result, row, field)))
            }
            rows.append(PostgresRow(columns: columns, values: values))
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresResult(rows: rows, affectedRows: affected)
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}

#if canImport(Glibc)
    import Glibc
#endif
