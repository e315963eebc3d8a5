import Postgres
import RPC

/// PostgreSQL's data exceptions (SQLSTATE class 22: a NUL in text, text that is not a number or a
/// date, a number out of range…) come from values a caller sent that no check before the statement
/// caught: they are the caller's bad input, answered `invalid_argument`, not a server failure. The
/// message stays generic: the database's own wording would show the statement's shape.
extension PostgresError: RPCErrorConvertible {
    public var rpcError: RPCError {
        guard self.kind == .query, self.sqlState?.hasPrefix("22") == true else {
            return RPCError(.internal, "internal error")
        }
        return ServiceFailure(domain: "database").error(
            .invalidArgument, "invalid_value",
            "a value in the request cannot be used here (not valid text, number or time)")
    }
}
