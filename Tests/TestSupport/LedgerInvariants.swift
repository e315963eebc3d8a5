import Postgres

/// Billing's ledger invariants for one account, straight from Billing's tables (Billing and Jobs tests).
public enum LedgerInvariants {
    /// The total is the sum of the entries and of what lots and open holds hold; `held` is the open
    /// holds; nothing negative; every part a hold reserved is of one of the account's own lots.
    public static func hold(for account: String, in database: PostgresPool) async throws -> Bool {
        let row = try await database.query(
            """
            SELECT a.total, a.held,
                   (SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE account_id = a.account_id)::bigint AS entries,
                   (SELECT coalesce(sum(remaining), 0) FROM lots WHERE account_id = a.account_id)::bigint AS in_lots,
                   (SELECT coalesce(sum(hl.amount), 0) FROM hold_lots hl JOIN holds h ON h.id = hl.hold_id
                     WHERE h.account_id = a.account_id AND h.state = 'open')::bigint AS reserved,
                   (SELECT coalesce(sum(amount), 0) FROM holds WHERE account_id = a.account_id AND state = 'open')::bigint AS open_holds,
                   (SELECT count(*) FROM lots WHERE account_id = a.account_id AND remaining < 0) AS negative_lots,
                   (SELECT count(*) FROM hold_lots hl JOIN holds h ON h.id = hl.hold_id
                     WHERE h.account_id = a.account_id
                       AND NOT EXISTS (SELECT 1 FROM lots l WHERE l.id = hl.lot_id AND l.account_id = a.account_id)) AS foreign_parts
            FROM accounts a WHERE a.account_id = $1
            """, [account]
        ).first!
        let total: Int64 = try row.decode("total")
        let held: Int64 = try row.decode("held")
        let entries: Int64 = try row.decode("entries")
        let inLots: Int64 = try row.decode("in_lots")
        let reserved: Int64 = try row.decode("reserved")
        let openHolds: Int64 = try row.decode("open_holds")
        let negative: Int64 = try row.decode("negative_lots")
        let foreignParts: Int64 = try row.decode("foreign_parts")
        return total >= 0 && total == entries && total == inLots + reserved && held == openHolds && negative == 0
            && foreignParts == 0
    }
}
