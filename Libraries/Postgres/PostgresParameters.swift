/// The parameters of a statement assembled from optional parts (filters, a page token): `bind`
/// adds a value and returns its placeholder ("$3"), so the SQL text never holds a value.
public struct PostgresParameters: Sendable {
    public private(set) var values: [any PostgresEncodable]

    public init(_ values: [any PostgresEncodable] = []) { self.values = values }

    public mutating func bind(_ value: any PostgresEncodable) -> String {
        self.values.append(value)
        return "$\(self.values.count)"
    }
}
