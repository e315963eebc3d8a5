import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// The versioned price list and quotes. A quote is exact: the same request against the same price
/// list version always costs the same, and Jobs holds exactly the quoted total.
extension BillingService {
    static let maxQuoteItems = 1000
    static let maxQuoteCount: UInt32 = 10_000

    func priceList(version: Int? = nil) async throws -> BillingPriceList {
        let header = try await self.database.query(
            """
            SELECT version, fast_lane_percent, created_by, (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
            FROM price_lists \(version == nil ? "ORDER BY version DESC LIMIT 1" : "WHERE version = $1")
            """, version.map { [$0] } ?? []
        ).first!
        var list = BillingPriceList()
        list.version = UInt32(try header.decode("version", as: Int.self))
        list.fastLanePercent = UInt32(try header.decode("fast_lane_percent", as: Int.self))
        list.createdBy = try header.decode("created_by")
        list.createdAt = .micros(try header.decode("created_us"))
        list.prices = try await self.database.query(
            "SELECT operation, credits, per_megapixel, included_megapixels FROM prices WHERE version = $1 ORDER BY operation",
            [Int(list.version)]
        ).map { row in
            var price = BillingPriceEntry()
            price.operation = try row.decode("operation")
            price.credits = try row.decode("credits")
            price.perMegapixel = try row.decode("per_megapixel")
            price.includedMegapixels = UInt32(try row.decode("included_megapixels", as: Int.self))
            return price
        }
        return list
    }

    func quote(_ caller: RPCCaller, _ request: BillingQuoteRequest) async throws -> BillingPriceQuote {
        let lane = request.lane.isEmpty ? "batch" : request.lane
        guard lane == "batch" || lane == "fast" else {
            throw failure.invalid("lane", "lane must be batch or fast")
        }
        guard !request.items.isEmpty, request.items.count <= Self.maxQuoteItems else {
            throw failure.invalid("items", "a quote has 1 to \(Self.maxQuoteItems) items")
        }
        let list = try await self.priceList()
        let prices = Dictionary(uniqueKeysWithValues: list.prices.map { ($0.operation, $0) })
        var quote = BillingPriceQuote()
        quote.priceListVersion = list.version
        quote.lane = lane
        for item in request.items {
            guard item.count >= 1, item.count <= Self.maxQuoteCount else {
                throw failure.invalid("count", "count is 1 to \(Self.maxQuoteCount)")
            }
            let operations = Array(Set(item.operations)).sorted()
            guard !operations.isEmpty else { throw failure.invalid("operations", "name at least one operation") }
            // A model with its own price (Jobs' AI catalogue) is priced by the service that runs it.
            guard item.fixedCredits.isEmpty || caller.role == "service" else {
                throw failure.invalid("fixed_credits", "only a service prices operations itself")
            }
            guard item.fixedCredits.values.allSatisfy({ (0...self.configuration.maxAmount).contains($0) }),
                item.outputs <= 16
            else {
                throw failure.invalid(
                    "fixed_credits", "fixed prices are 0 to \(self.configuration.maxAmount); outputs at most 16")
            }
            // A combination with its own price is priced as one; otherwise each operation adds up.
            let combined = operations.joined(separator: "+")
            let parts: [BillingPriceEntry] =
                try (item.fixedCredits.isEmpty ? prices[combined].map { [$0] } : nil)
                ?? operations.map { name in
                    if let credits = item.fixedCredits[name] {
                        var fixed = BillingPriceEntry()
                        fixed.operation = name
                        fixed.credits = credits
                        return fixed
                    }
                    guard let price = prices[name] else {
                        throw failure.invalid("operations", "no price for '\(name)'")
                    }
                    return price
                }
            let megapixels = Int64((item.megapixelsMilli + 999) / 1000)  // started megapixels
            var unit: Int64 = 0
            for price in parts {
                unit += price.credits + price.perMegapixel * max(0, megapixels - Int64(price.includedMegapixels))
            }
            unit *= Int64(max(1, item.outputs))
            // rounded up: never under the price
            if lane == "fast" { unit = (unit * Int64(list.fastLanePercent) + 99) / 100 }
            var line = BillingQuoteLine()
            line.operations = combined
            line.count = item.count
            line.unitCredits = unit
            line.credits = unit * Int64(item.count)
            quote.lines.append(line)
            quote.totalCredits += line.credits
        }
        return quote
    }

    /// A new version of the price list (admins). Older versions stay for the record.
    func setPriceList(_ caller: RPCCaller, _ request: BillingSetPriceListRequest) async throws -> BillingPriceList {
        try self.requireAdmin(caller)
        guard !request.prices.isEmpty else {
            throw failure.invalid("prices", "a price list names at least one operation")
        }
        let percent = request.fastLanePercent == 0 ? 150 : Int(request.fastLanePercent)
        guard (100...1000).contains(percent) else { throw failure.invalid("fast_lane_percent", "100 to 1000") }
        for price in request.prices {
            guard price.operation.range(of: "^[a-z_]+(\\+[a-z_]+)*$", options: .regularExpression) != nil,
                price.operation.count <= 100
            else {
                throw failure.invalid("operation", "operation names are lowercase words joined by '+'")
            }
            guard price.credits >= 0, price.credits <= self.configuration.maxAmount, price.perMegapixel >= 0,
                price.perMegapixel <= 10_000
            else {
                throw failure.invalid("credits", "prices are 0 to \(self.configuration.maxAmount) credits")
            }
        }
        guard Set(request.prices.map(\.operation)).count == request.prices.count else {
            throw failure.invalid("prices", "an operation is listed twice")
        }
        let version: Int = try await self.idempotency.run(
            caller: caller.id, method: "SetPriceList", key: request.idempotencyKey, request: request
        ) { session in
            let version: Int = try await session.query(
                "INSERT INTO price_lists (fast_lane_percent, created_by) VALUES ($1, $2) RETURNING version",
                [percent, caller.id]
            ).first!.decode("version")
            for price in request.prices {
                try await session.execute(
                    "INSERT INTO prices (version, operation, credits, per_megapixel, included_megapixels) VALUES ($1, $2, $3, $4, $5)",
                    [version, price.operation, price.credits, price.perMegapixel, Int(price.includedMegapixels)]
                )
            }
            var answer = BillingPriceList()
            answer.version = UInt32(version)
            return answer
        }.version.int
        return try await self.priceList(version: version)
    }
}

extension UInt32 {
    fileprivate var int: Int { Int(self) }
}
