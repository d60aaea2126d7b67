/// The organisation responsible for the processing (the controller), as it appears in every
/// notification (CNIL: *Identification de l'organisme*).
public struct Controller: Sendable, Equatable, Codable {
    public var name: String
    /// Company register or national number (SIREN, RCS…).
    public var registration: String
    public var address: String
    /// ISO 3166 alpha-2 country code.
    public var country: String
    public var sector: String
    /// The page on the controller's own site where people can check a breach reference.
    /// Subject messages name it instead of carrying a link to click.
    public var incidentPage: String
    /// Legal representative (CNIL: *responsable légal*).
    public var legalRepresentative: Person?

    public init(
        name: String, registration: String = "", address: String = "", country: String,
        sector: String = "", incidentPage: String = "", legalRepresentative: Person? = nil
    ) {
        self.name = name
        self.registration = registration
        self.address = address
        self.country = country
        self.sector = sector
        self.incidentPage = incidentPage
        self.legalRepresentative = legalRepresentative
    }
}

/// A named person with a way to reach them: the DPO or contact point of Art. 33(3)(b).
public struct Person: Sendable, Equatable, Codable {
    public var name: String
    public var function: String
    public var email: String
    public var phone: String

    public init(name: String, function: String = "", email: String, phone: String = "") {
        self.name = name
        self.function = function
        self.email = email
        self.phone = phone
    }
}
