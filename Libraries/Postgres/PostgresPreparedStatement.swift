/// A statement each connection prepares once and then runs by name, for the few statements a
/// service runs thousands of times a second whose plans do not depend on their parameters (a
/// queue's claim and completion): they skip parsing, and planning once PostgreSQL settles on a
/// generic plan. A statement whose best plan depends on its values stays a plain query.
public struct PostgresPreparedStatement: Sendable {
    public let sql: String
    /// Unique per text within this process (connections do not outlive it).
    let name: String

    public init(_ sql: String) {
        self.sql = sql
        self.name = "imageswiss_\(UInt(bitPattern: sql.hashValue))"
    }
}
