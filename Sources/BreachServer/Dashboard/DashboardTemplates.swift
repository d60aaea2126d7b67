import BreachApp
import BreachCore
import Foundation

/// The languages of the dashboard: French, English, German.
enum DashboardLanguage: String, Sendable, CaseIterable {
    case fr, en, de

    /// The same language as the messages and reports name it.
    var language: Language { Language(rawValue: rawValue) ?? .en }

    /// The first language of `Accept-Language` the dashboard speaks (weights honoured), else English.
    static func from(acceptLanguage header: String?) -> DashboardLanguage {
        guard let header else { return .en }
        let ranked = header.split(separator: ",").compactMap { part -> (DashboardLanguage, Double)? in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased().split(separator: "-").first,
                  let language = DashboardLanguage(rawValue: String(tag)) else { return nil }
            let q = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return q > 0 ? (language, q) : nil
        }
        // The highest weight wins; among equal weights, the first given.
        return ranked.enumerated().max { a, b in a.element.1 < b.element.1 || (a.element.1 == b.element.1 && a.offset > b.offset) }?.element.0 ?? .en
    }
}

/// The dashboard's templates and words (a ``TemplateFolder``), read from the working directory's
/// `templates/dashboard/` (a copy the controller may adapt; `init` puts it there) or, for a
/// working directory made before the dashboard existed, from breachmail's share directory:
/// `*.mustache` pages and partials, `labels/LANG.json` the words, `static/` the stylesheet and script.
struct DashboardTemplates: Sendable {
    let folder: TemplateFolder
    let stylesheet: String
    let script: String

    var directory: URL { folder.directory }

    /// - Throws: ``ServerError/Code/configuration`` naming the file that cannot be read or parsed.
    init(directory: URL) throws(ServerError) {
        do {
            folder = try TemplateFolder(directory: directory)
            stylesheet = try folder.read("static/dashboard.css")
            script = try folder.read("static/dashboard.js")
        } catch {
            throw ServerError(.configuration, error.description)
        }
    }

    /// Where the templates are: the working directory's copy, else the share directory's.
    static func locate(workingDirectory: URL, templates: String) -> URL {
        TemplateFolder.locate("dashboard", workingDirectory: workingDirectory, templates: templates)
    }

    /// The words of `language`, English where a word is missing.
    func words(_ language: DashboardLanguage) -> [String: String] { folder.words(language.language) }

    /// `key` in `language`, with `{name}` placeholders filled in.
    func word(_ key: String, _ language: DashboardLanguage, _ values: [String: String] = [:]) -> String {
        folder.word(key, language.language, values)
    }

    /// The page `name` rendered with `context`.
    ///
    /// - Throws: ``ServerError/Code/configuration`` when there is no such template.
    func render(_ name: String, _ context: [String: Any]) throws(ServerError) -> String {
        do { return try folder.render(name, context) } catch { throw ServerError(.configuration, error.description) }
    }
}
