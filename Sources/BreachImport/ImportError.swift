/// Why a subjects file cannot be imported at all. Nothing is recorded when one is thrown.
///
/// The description names the file, the line and the fix; it carries column names, never the
/// content of a row.
public struct ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the file.
    public enum Problem: Sendable, Equatable {
        case unreadable(String)
        case empty
        case utf16
        case spreadsheet
        case binary
        case unclosedQuote(field: Int)
        case headerTooLong(limit: Int)
        case noSeparator(header: String)
        case noEmailColumn(headers: [String])
        case twoColumnsForOneField(field: String, columns: [String])
        case mapColumnMissing(column: String, headers: [String])
        case badMap(String)
    }

    public let file: String
    /// The physical line, when the problem has one.
    public let line: Int?
    public let problem: Problem

    public init(file: String, line: Int? = nil, _ problem: Problem) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String {
        let at = line.map { "\(file) line \($0)" } ?? file
        let headerList = { (headers: [String]) in headers.map { "\"\(Self.short($0))\"" }.joined(separator: ", ") }
        switch problem {
        case .unreadable(let reason):
            return "\(at): cannot be read (\(reason)); check the path and its permissions."
        case .empty:
            return "\(at): is empty, without even a header line; export the list again with a header row "
                + "such as email;first_name;last_name;language."
        case .utf16:
            return "\(at): is UTF-16 text; save it as \"CSV UTF-8\" (or plain CSV) and import that file."
        case .spreadsheet:
            return "\(at): is a spreadsheet (.xlsx or .xls), not CSV; save it as \"CSV UTF-8\" and import that file."
        case .binary:
            return "\(at): is not text (NUL or control bytes in the header line), so not a CSV file; "
                + "export the list as CSV with a header row."
        case .unclosedQuote(let field):
            return "\(at), field \(field): a quoted field opens here and is never closed before the end of the file; "
                + "close it (a quote inside a quoted field is written \"\") and import again. Nothing was imported."
        case .headerTooLong(let limit):
            return "\(at): the header line is longer than \(limit) bytes, so not the header of a list of people; "
                + "check that this is the right file and that its first line is the header (email;first_name;last_name;language)."
        case .noSeparator(let header):
            return "\(at): no separator (`,` `;` or TAB) and the only column \"\(Self.short(header))\" is not an e-mail column: "
                + "this does not look like CSV. Export the list as CSV with a header row, or name the separator with --delimiter."
        case .noEmailColumn(let headers):
            return "\(at): no e-mail column among the headers found: \(headerList(headers)). Name the column email "
                + "(or E-mail, Courriel, Mail), or map it with --map 'COLUMN=email'."
        case .twoColumnsForOneField(let field, let columns):
            return "\(at): columns \(headerList(columns)) all map to \(field); keep one, or map the others elsewhere, "
                + "e.g. --map '\(Self.short(columns.last ?? ""))=-' to leave it out."
        case .mapColumnMissing(let column, let headers):
            return "--map \(column)=…: \(at) has no column \"\(Self.short(column))\" (headers: \(headerList(headers))); "
                + "give the header as written in the file."
        case .badMap(let text):
            return "--map \(text): write COLUMN=FIELD, where FIELD is email, first_name, last_name, language, "
                + "another name for a template field, or - to leave the column out; e.g. --map 'Adresse mail=email'."
        }
    }

    static func short(_ text: String) -> String {
        let clean = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        return clean.count > 40 ? String(clean.prefix(40)) + "…" : clean
    }
}
