/// A checklist step's parameters against its operation's declaration: unknown names, missing
/// required ones and values out of type or range are refused, each naming its field.
public struct ParameterProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// `parameters.width`: the field as the API's caller wrote it.
    public let field: String
    public let message: String
    public var description: String { "\(self.field) \(self.message)" }

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

extension OperationSpec {
    public func check(_ parameters: [String: String]) throws(ParameterProblem) {
        for name in parameters.keys.sorted() {
            guard let spec = self.parameter(name) else {
                let known = self.parameters.map(\.name)
                throw ParameterProblem(
                    field: "parameters.\(name.prefix(64))",
                    message: "is not a parameter of \(self.name)"
                        + (known.isEmpty ? " (it takes none)" : " (it takes \(known.joined(separator: ", ")))"))
            }
            if let problem = spec.problem(with: parameters[name]!) {
                throw ParameterProblem(field: "parameters.\(name)", message: problem)
            }
        }
        for spec in self.parameters where spec.required && parameters[spec.name] == nil {
            throw ParameterProblem(field: "parameters.\(spec.name)", message: "is required by \(self.name)")
        }
    }
}
