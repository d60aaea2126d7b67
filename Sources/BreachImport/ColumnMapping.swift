import Foundation

/// Which column of the header holds which subject field.
///
/// Headers are recognised whatever their case, accents and punctuation, in French, English and
/// German (`E-mail`, `Courriel`, `Prénom`, `Nachname`, `Langue`…); `--map COLUMN=FIELD` decides
/// for any other. Every other column is kept as a template field under its header as written
/// (`subject.fields.COLUMN`), unless mapped to `-`.
public struct ColumnMapping: Sendable, Equatable {
    /// The fields breachmail itself uses.
    public enum Field: String, Sendable, CaseIterable {
        case email, firstName = "first_name", lastName = "last_name", language
    }

    /// The header as written, one entry per column.
    public let headers: [String]
    /// Column index of each known field present.
    public let columns: [Field: Int]
    /// Other columns kept for templates: index and name.
    public let extras: [(index: Int, name: String)]
    /// `columns` as plain indices, for the import's loop over every row (where a dictionary
    /// lookup per field and row shows): the address's column, and the others' when present.
    let emailColumn: Int
    let firstNameColumn: Int?
    let lastNameColumn: Int?
    let languageColumn: Int?

    public static func == (a: Self, b: Self) -> Bool {
        a.headers == b.headers && a.columns == b.columns && a.extras.map(\.index) == b.extras.map(\.index)
            && a.extras.map(\.name) == b.extras.map(\.name)
    }

    /// Maps `header` (line 1 of `file`), applying `maps` (`COLUMN=FIELD` texts) first.
    /// - Throws: ``ImportError`` when no column is the address, two columns claim one field,
    ///   or a map names a column the file does not have.
    public init(header: [String], maps: [String], file: String, singleColumn: Bool) throws(ImportError) {
        let headers = header.map { $0.trimmingCharacters(in: .whitespaces) }
        self.headers = headers
        var chosen: [Int: String] = [:]  // index → field name, "-" for left out
        for map in maps {
            guard let eq = map.lastIndex(of: "="), eq != map.startIndex else { throw ImportError(file: file, .badMap(map)) }
            let column = map[..<eq].trimmingCharacters(in: .whitespaces)
            var field = map[map.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard !field.isEmpty else { throw ImportError(file: file, .badMap(map)) }
            if let known = Self.known(field) { field = known.rawValue }
            guard let index = headers.firstIndex(of: column) ?? headers.firstIndex(where: { Self.fold($0) == Self.fold(column) }) else {
                throw ImportError(file: file, line: 1, .mapColumnMissing(column: column, headers: headers))
            }
            chosen[index] = field
        }
        var columns: [Field: Int] = [:]
        var claims: [Field: [Int]] = [:]
        var extras: [(Int, String)] = []
        for (index, name) in headers.enumerated() {
            let target = chosen[index]
            if target == "-" { continue }
            if let target, let field = Field(rawValue: target) {
                claims[field, default: []].append(index)
            } else if let target {
                extras.append((index, target))
            } else if let field = Self.known(name) {
                claims[field, default: []].append(index)
            } else if !name.isEmpty {
                extras.append((index, name))
            }
        }
        for field in Field.allCases {
            guard let indices = claims[field] else { continue }
            if indices.count > 1 {
                throw ImportError(file: file, line: 1, .twoColumnsForOneField(field: field.rawValue, columns: indices.map { headers[$0] }))
            }
            columns[field] = indices[0]
        }
        guard let emailColumn = columns[.email] else {
            if singleColumn { throw ImportError(file: file, line: 1, .noSeparator(header: header.first ?? "")) }
            throw ImportError(file: file, line: 1, .noEmailColumn(headers: headers))
        }
        self.columns = columns
        self.extras = extras
        self.emailColumn = emailColumn
        firstNameColumn = columns[.firstName]
        lastNameColumn = columns[.lastName]
        languageColumn = columns[.language]
    }

    /// The column of `field`, when the file has one.
    func column(_ field: Field) -> Int? {
        switch field {
        case .email: emailColumn
        case .firstName: firstNameColumn
        case .lastName: lastNameColumn
        case .language: languageColumn
        }
    }

    /// The known field a header or a `--map` target names, if any.
    public static func known(_ name: String) -> Field? {
        synonyms[fold(name)]
    }

    /// Lowercase, without accents, letters and digits only: `Prénom ` → `prenom`, `E-Mail` → `email`.
    static func fold(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
        return String(folded.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }

    static let synonyms: [String: Field] = {
        var table: [String: Field] = [:]
        let lists: [(Field, [String])] = [
            (.email, ["email", "mail", "emailaddress", "mailaddress", "courriel", "adressecourriel", "adresseemail",
                      "adressemail", "adresseelectronique", "emailadresse", "mailadresse", "epost", "correo"]),
            (.firstName, ["firstname", "first", "givenname", "forename", "prenom", "vorname"]),
            (.lastName, ["lastname", "last", "surname", "familyname", "nom", "nomdefamille", "nachname", "familienname"]),
            (.language, ["language", "lang", "locale", "langue", "sprache", "languecorrespondance", "korrespondenzsprache"]),
        ]
        for (field, names) in lists { for n in names { table[n] = field } }
        return table
    }()
}
