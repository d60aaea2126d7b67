/// A person's values as templates see them: trimmed, and a value left empty is absent, so that
/// `{{#subject.name}}…{{/subject.name}}` shows its block only for people who have a name.
struct SubjectValues {
    private(set) var name: String?
    private(set) var email: String?
    /// Every other CSV column with a value, by its header.
    private(set) var fields: [String: String] = [:]

    /// No value at all (the start of a skeleton's markers).
    init() {}

    /// The values of one subject.
    init(_ subject: SubjectFields) {
        name = Self.clean(subject.name)
        email = Self.clean(subject.email)
        for (key, value) in subject.fields { fields[key] = Self.clean(value) }
    }

    /// The value of a `subject.*` template name (`subject.name`, `subject.email`,
    /// `subject.fields.COLUMN`); nil when this person has none.
    func value(of variable: String) -> String? {
        switch variable {
        case "subject.name": return name
        case "subject.email": return email
        default:
            guard variable.hasPrefix(Self.fieldsPrefix) else { return nil }
            return fields[String(variable.dropFirst(Self.fieldsPrefix.count))]
        }
    }

    /// Gives the `subject.*` name `variable` the value `value`.
    mutating func set(_ value: String, for variable: String) {
        guard let trimmed = Self.clean(value) else { return }
        switch variable {
        case "subject.name": name = trimmed
        case "subject.email": email = trimmed
        default:
            guard variable.hasPrefix(Self.fieldsPrefix) else { return }
            fields[String(variable.dropFirst(Self.fieldsPrefix.count))] = trimmed
        }
    }

    /// The `subject` object of the template variables.
    var object: [String: Any] {
        var object: [String: Any] = ["fields": fields]
        if let name { object["name"] = name }
        if let email { object["email"] = email }
        return object
    }

    private static let fieldsPrefix = "subject.fields."

    private static func clean(_ value: String) -> String? {
        let trimmed = value.trimmed()
        return trimmed.isEmpty ? nil : trimmed
    }
}
