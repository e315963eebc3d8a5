import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// A pool of libpq connections whose blocking calls run on a dedicated thread pool.
///
/// Connections open on demand up to `poolSize`; callers beyond that wait in line. A connection that
/// the server closed (restart, failover) is noticed when it is next lent out and replaced, so a
/// service carries on after its database restarts.
public final class PostgresPool: Sendable {
    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiters: [CheckedContinuation<PostgresConnection?, any Error>] = []
        var closed = false
    }

    public let configuration: PostgresConfiguration
    private let threads: NIOThreadPool
    private let state = NIOLockedValueBox(State())
    private let logger: Logger

    public init(configuration: PostgresConfiguration, logger: Logger = Logger(label: "postgres")) {
        self.configuration = configuration
        self.logger = logger
        self.threads = NIOThreadPool(numberOfThreads: configuration.poolSize)
        self.threads.start()
    }

    /// Connections open (in use or idle), idle, and callers waiting for one: for the pool metrics.
    public var usage: (open: Int, idle: Int, waiting: Int) {
        self.state.withLockedValue { ($0.open, $0.idle.count, $0.waiters.count) }
    }

    /// Another pool to the same database, whose connections start their sessions with `settings`
    /// (`PostgresConfiguration.sessionSettings`). Its owner closes it.
    public func companion(poolSize: Int, sessionSettings settings: [String: String]) -> PostgresPool {
        var configuration = self.configuration
        configuration.poolSize = max(1, poolSize)
        configuration.sessionSettings = settings
        return PostgresPool(configuration: configuration, logger: self.logger)
    }

    /// Runs one statement outside any transaction and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> [PostgresRow] {
        try await self.withSession { try await $0.query(sql, parameters) }
    }

    /// Runs one statement and returns how many rows it inserted, updated or deleted.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        try await self.withSession { try await $0.execute(sql, parameters) }
    }

    /// Runs a prepared statement outside any transaction and returns its rows.
    @discardableResult
    public func query(_ statement: PostgresPreparedStatement, _ parameters: [any PostgresEncodable] = []) async throws
        -> [PostgresRow]
    {
        try await self.withSession { try await $0.query(statement, parameters) }
    }

    /// Runs a prepared statement and returns how many rows it inserted, updated or deleted.
    @discardableResult
    public func execute(_ statement: PostgresPreparedStatement, _ parameters: [any PostgresEncodable] = []) async throws
        -> Int
    {
        try await self.withSession { try await $0.execute(statement, parameters) }
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws.
    public func transaction<T: Sendable>(
        isolation: PostgresIsolation = .readCommitted, _ body: (PostgresSession) async throws -> T
    ) async throws -> T {
        let begin = PostgresSession.PendingBegin("BEGIN ISOLATION LEVEL \(isolation.rawValue)")
        return try await self.withSession(begin: begin) { session in
            do {
                let value = try await body(session)
                // A body that ran no statement opened no transaction.
                if begin.wasSent { try await session.run("COMMIT") }
                return value
            } catch {
                if begin.wasSent { try? await session.run("ROLLBACK") }
                throw error
            }
        }
    }

    /// Lends a connection to `body` for several statements.
    public func withSession<T: Sendable>(_ body: (PostgresSession) async throws -> T) async throws -> T {
        try await self.withSession(begin: nil, body)
    }

    private func withSession<T: Sendable>(
        begin: PostgresSession.PendingBegin?, _ body: (PostgresSession) async throws -> T
    ) async throws -> T {
        let connection = try await self.acquire()
        let session = PostgresSession(connection: connection, threads: self.threads, pendingBegin: begin)
        do {
            let value = try await body(session)
            self.release(connection)
            return value
        } catch {
            self.release(connection)
            throw error
        }
    }

    /// Closes every idle connection and stops the threads. Later calls fail.
    public func close() async {
        let waiters = self.state.withLockedValue { state -> [CheckedContinuation<PostgresConnection?, any Error>] in
            state.closed = true
            state.open -= state.idle.count
            state.idle.removeAll()
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(throwing: PostgresError(.connection, "pool closed")) }
        try? await self.threads.shutdownGracefully()
    }

    // MARK: lending

    private func acquire() async throws -> PostgresConnection {
        enum Next {
            case reuse(PostgresConnection)
            case open, wait
        }
        let next: Next = try self.state.withLockedValue { state in
            guard !state.closed else { throw PostgresError(.connection, "pool closed") }
            if let connection = state.idle.popLast() { return .reuse(connection) }
            if state.open < self.configuration.poolSize {
                state.open += 1
                return .open
            }
            return .wait
        }
        switch next {
        case .reuse(let connection):
            return try await self.checked(connection)
        case .open:
            return try await self.openConnection()
        case .wait:
            let handed = try await withCheckedThrowingContinuation { continuation in
                let closed = self.state.withLockedValue { state -> Bool in
                    if state.closed { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if closed { continuation.resume(throwing: PostgresError(.connection, "pool closed")) }
            }
            // nil: a slot was freed instead of a connection handed over.
            guard let handed else { return try await self.openConnection() }
            return try await self.checked(handed)
        }
    }

    /// Replaces a connection the server has closed since it was last used. The check does not block
    /// (libpq reads what the socket already holds), so it runs here: on the thread pool it cost every
    /// statement a second hop to a libpq thread and back.
    private func checked(_ connection: PostgresConnection) async throws -> PostgresConnection {
        if connection.isHealthy { return connection }
        self.logger.info("database connection lost; reconnecting")
        return try await self.openConnection()
    }

    /// Opens a connection for a slot already counted in `open`; gives the slot back on failure.
    private func openConnection() async throws -> PostgresConnection {
        let configuration = self.configuration
        do {
            return try await self.threads.runIfActive { try PostgresConnection.connect(configuration) }
        } catch {
            self.releaseSlot()
            throw error
        }
    }

    private func release(_ connection: PostgresConnection) {
        let reusable = connection.isReusable
        let waiter = self.state.withLockedValue { state -> CheckedContinuation<PostgresConnection?, any Error>? in
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            if reusable, !state.closed { state.idle.append(connection) } else { state.open -= 1 }
            return nil
        }
        waiter?.resume(returning: reusable ? connection : nil)
    }

    private func releaseSlot() {
        let waiter = self.state.withLockedValue { state -> CheckedContinuation<PostgresConnection?, any Error>? in
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.open -= 1
            return nil
        }
        waiter?.resume(returning: nil)
    }
}

/// Transaction isolation levels.
public enum PostgresIsolation: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

/// A borrowed connection: statements run in order on it (inside a transaction when given one).
public struct PostgresSession: Sendable {
    let connection: PostgresConnection
    let threads: NIOThreadPool
    /// A transaction's BEGIN, sent with its first statement: one trip to a libpq thread instead of two.
    let pendingBegin: PendingBegin?

    /// The BEGIN of a transaction whose first statement has not run yet.
    final class PendingBegin: Sendable {
        let sql: String
        private let sent = NIOLockedValueBox(false)

        init(_ sql: String) { self.sql = sql }

        /// Whether it went to the server (from then on there is a transaction to end).
        var wasSent: Bool { self.sent.withLockedValue { $0 } }

        /// The BEGIN to send before the next statement, once.
        func take() -> String? {
            self.sent.withLockedValue { sent in
                defer { sent = true }
                return sent ? nil : self.sql
            }
        }
    }

    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> [PostgresRow] {
        try await self.result(sql, parameters).rows
    }

    @discardableResult
    public func execute(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        try await self.result(sql, parameters).affectedRows
    }

    public func result(_ sql: String, _ parameters: [any PostgresEncodable]) async throws -> PostgresResult {
        let values = parameters.map(\.postgresValue)
        return try await self.onLibpqThread { try $0.execute(sql, values) }
    }

    @discardableResult
    public func query(_ statement: PostgresPreparedStatement, _ parameters: [any PostgresEncodable] = []) async throws
        -> [PostgresRow]
    {
        try await self.result(statement, parameters).rows
    }

    @discardableResult
    public func execute(_ statement: PostgresPreparedStatement, _ parameters: [any PostgresEncodable] = []) async throws
        -> Int
    {
        try await self.result(statement, parameters).affectedRows
    }

    public func result(_ statement: PostgresPreparedStatement, _ parameters: [any PostgresEncodable]) async throws
        -> PostgresResult
    {
        let values = parameters.map(\.postgresValue)
        return try await self.onLibpqThread { try $0.execute(statement, values) }
    }

    /// Runs a script of several statements without parameters (migrations, BEGIN/COMMIT).
    public func run(_ script: String) async throws {
        try await self.onLibpqThread { try $0.executeScript(script) }
    }

    /// Runs `body` on one of the pool's threads (libpq blocks), after the transaction's BEGIN when
    /// that has not gone yet: both in the same trip.
    private func onLibpqThread<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws
        -> T
    {
        let connection = self.connection
        let begin = self.pendingBegin?.take()
        return try await self.threads.runIfActive {
            if let begin { try connection.executeScript(begin) }
            return try body(connection)
        }
    }
}

/// A pool or a session (inside a transaction): both run queries, so code that works either way
/// takes this.
public protocol PostgresQuerying: Sendable {
    func query(_ sql: String, _ parameters: [any PostgresEncodable]) async throws -> [PostgresRow]
    func execute(_ sql: String, _ parameters: [any PostgresEncodable]) async throws -> Int
    func query(_ statement: PostgresPreparedStatement, _ parameters: [any PostgresEncodable]) async throws
        -> [PostgresRow]
    func execute(_ statement: PostgresPreparedStatement, _ parameters: [any PostgresEncodable]) async throws -> Int
}
extension PostgresPool: PostgresQuerying {}
extension PostgresSession: PostgresQuerying {}
