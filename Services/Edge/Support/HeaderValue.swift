import HTTPTypes

extension HTTPFields {
    /// The value of the field `name`, as `self[name]` answers it, without that subscript's generic
    /// join for the usual single field (a hot path of every authenticated call, docs/performance.md
    /// "Edge /me"). Several fields of the name are joined as the subscript joins them.
    func value(of name: HTTPField.Name) -> String? {
        var found: String? = nil
        for field in self where field.name == name {
            guard found == nil else { return self[name] }
            found = field.value
        }
        return found
    }
}
