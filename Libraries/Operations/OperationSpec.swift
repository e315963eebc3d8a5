/// One operation a checklist may tick: what it is called, what runs it, what Billing prices it as,
/// and the parameters it takes. Declared once, in `OperationCatalog.all`.
public struct OperationSpec: Sendable {
    /// What runs an operation.
    public enum Kind: Sendable, Equatable {
        /// An ImageOps pipeline step (its ImageOps name) in a stage.
        case pipeline(step: String, stage: PipelineStage)
        case ocr
        case deduplicate
        /// Runs at an AI provider configured for this operation (Jobs' AI catalogue).
        case ai
        /// Trains a personal model at a provider on all of a batch's photos (one job).
        case training
        /// A pause, for probes and benchmarks.
        case noop
    }

    public let name: String
    /// Other names accepted for it ("colorization", "restore").
    public let aliases: [String]
    /// Short English label and one-line description, for the web app and the API's readers.
    public let label: String
    public let summary: String
    /// Groups the web app shows together: edit, format, look, restore, ai, analyse, internal.
    public let category: String
    public let kind: Kind
    /// The name Billing prices it under (several operations share one price: "flip" is a "rotate").
    public let billingName: String
    public let parameters: [ParameterSpec]
    /// Whether the tier's resolution cap (480p / 720p on the short side) applies to its output.
    public let capsResolution: Bool
    /// Shown in the public catalogue (noop is not).
    public let listed: Bool
    /// How an AI operation also runs here, without a provider (upscale, restoration), if it can.
    public let classic: ClassicMethod?

    public var needsProvider: Bool { self.kind == .ai || self.kind == .training }

    public init(
        _ name: String, aliases: [String] = [], label: String, summary: String, category: String, kind: Kind,
        billing: String? = nil, parameters: [ParameterSpec] = [], capsResolution: Bool = false, listed: Bool = true,
        classic: ClassicMethod? = nil
    ) {
        self.name = name
        self.aliases = aliases
        self.label = label
        self.summary = summary
        self.category = category
        self.kind = kind
        self.billingName = billing ?? name
        self.parameters = parameters
        self.capsResolution = capsResolution
        self.listed = listed
        self.classic = classic
    }

    public func parameter(_ name: String) -> ParameterSpec? { self.parameters.first { $0.name == name } }
}

/// The local stand-in of an AI operation: an ImageOps step, priced and named as itself
/// ("upscale_classic", "restoration_classic") so that a quote and a result never pass it off as the
/// provider's model. A step's `method` parameter chooses; by default it runs where no model serves
/// the operation. Only the parameters named here reach the step.
public struct ClassicMethod: Sendable {
    public let step: String
    public let stage: PipelineStage
    public let billingName: String
    public let parameters: [String]

    public init(step: String, stage: PipelineStage, billingName: String, parameters: [String] = []) {
        self.step = step
        self.stage = stage
        self.billingName = billingName
        self.parameters = parameters
    }
}

/// The stage an ImageOps step runs in. Steps are sorted by stage and keep the caller's order within
/// one: geometry changes the pixel grid (and a leading resize decodes at reduced scale), area
/// filters then read neighbourhoods on the smaller image, point operations touch each pixel once,
/// watermarks go over the finished picture, and `convert` only chooses the encoding.
public enum PipelineStage: Int, Sendable, Comparable {
    case geometry, areaFilter, point, overlay, output

    public static func < (lhs: PipelineStage, rhs: PipelineStage) -> Bool { lhs.rawValue < rhs.rawValue }
}
