import ImageSwissProtos
import Operations

/// One operation of GET /api/v1/operations. snake_case on the wire (CodingKeys), as every answer of the API.
struct OperationJSON: Encodable {
    let name, label, summary, category, billingName: String
    let aliases: [String]
    let needsProvider, capsResolution, available: Bool
    let unavailableReason: String?
    let parameters: [ParameterJSON]
    /// The enabled models of an AI operation, the default first.
    let models: [ModelOptionJSON]?

    /// An operation Jobs did not mention (an older Jobs) is shown as unavailable rather than offered.
    init(_ spec: OperationSpec, availability: JobsOperationAvailability?) {
        (self.name, self.label, self.summary, self.category, self.billingName) = (
            spec.name, spec.label, spec.summary, spec.category, spec.billingName
        )
        self.aliases = spec.aliases
        (self.needsProvider, self.capsResolution) = (spec.needsProvider, spec.capsResolution)
        self.available = availability?.available ?? false
        self.unavailableReason =
            self.available
            ? nil : (availability.map { $0.reason.isEmpty ? "unavailable" : $0.reason } ?? "unknown_to_jobs")
        self.parameters = spec.parameters.map(ParameterJSON.init)
        self.models = spec.needsProvider ? (availability?.models ?? []).map(ModelOptionJSON.init) : nil
    }

    enum CodingKeys: String, CodingKey {
        case name, label, summary, category, aliases, available, parameters, models
        case billingName = "billing_name"
        case needsProvider = "needs_provider"
        case capsResolution = "caps_resolution"
        case unavailableReason = "unavailable_reason"
    }
}

/// A parameter: `type` is integer, number, boolean, choice, text, colour or file_id; ranges as
/// `minimum`/`maximum` (and `step`), choices as `options`, text as `max_length`.
struct ParameterJSON: Encodable {
    let name, type, summary: String
    let required: Bool
    let `default`, example, unit: String?
    let minimum, maximum: Double?
    let step: Int?
    let options: [String]?
    let maxLength: Int?

    init(_ spec: ParameterSpec) {
        (self.name, self.summary, self.required) = (spec.name, spec.summary, spec.required)
        (self.default, self.example, self.unit) = (spec.defaultValue, spec.example, spec.unit)
        var (type, minimum, maximum, step, options, maxLength): (String, Double?, Double?, Int?, [String]?, Int?) = (
            "text", nil, nil, nil, nil, nil
        )
        switch spec.kind {
        case .integer(let range, let by):
            (type, minimum, maximum, step) = ("integer", Double(range.lowerBound), Double(range.upperBound), by)
        case .number(let range): (type, minimum, maximum) = ("number", range.lowerBound, range.upperBound)
        case .boolean: type = "boolean"
        case .choice(let values): (type, options) = ("choice", values)
        case .text(let length): maxLength = length
        case .colour: type = "colour"
        case .fileID: type = "file_id"
        }
        (self.type, self.minimum, self.maximum, self.step, self.options, self.maxLength) = (
            type, minimum, maximum, step, options, maxLength
        )
    }

    enum CodingKeys: String, CodingKey {
        case name, type, summary, required, `default`, example, unit, minimum, maximum, step, options
        case maxLength = "max_length"
    }
}
