import Foundation
import Hummingbird
import ImageSwissProtos

/// The query parameters several routes share: paging and RFC 3339 times.
enum QueryValues {
    /// `page_token` and `page_size`.
    static func page(_ request: Request) -> CommonPageRequest {
        var page = CommonPageRequest()
        let query = request.uri.queryParameters
        page.pageToken = query["page_token"].map(String.init) ?? ""
        if let size = query["page_size"] { page.pageSize = UInt32(size) ?? 0 }
        return page
    }

    /// The next page's token, nil on the last page.
    static func nextToken(_ page: CommonPageResponse) -> String? { Self.nextToken(page.nextPageToken) }

    /// The next page's token of an answer that carries it as a field of its own.
    static func nextToken(_ token: String) -> String? { token.isEmpty ? nil : token }

    /// An RFC 3339 time (with or without fractional seconds), or 400 naming `field`.
    static func timestamp(_ text: String, field: String) throws -> CommonTimestamp {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        guard let date = formatter.date(from: text) ?? plain.date(from: text) else {
            throw EdgeError(.badRequest, "invalid_\(field)", "\(field) must be an RFC 3339 time", field: field)
        }
        return .micros(Int64(date.timeIntervalSince1970 * 1e6))
    }
}
