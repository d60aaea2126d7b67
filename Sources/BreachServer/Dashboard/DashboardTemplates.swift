import Foundation
import Mustache

/// The languages of the dashboard: French, English, German.
enum DashboardLanguage: String, Sendable, CaseIterable {
    case fr, en, de

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

/// The dashboard's templates and words, read from the working directory's
/// `templates/dashboard/` (a copy the controller may adapt; `init` puts it there) or, for a
/// working directory made before the dashboard existed, from breachmail's share directory:
/// `*.mustache` pages and partials, `labels/LANG.json` the words, `static/` the stylesheet and script.
struct DashboardTemplates: Sendable {
    let directory: URL
    let library: MustacheLibrary
    /// Words by language; a key missing in a language falls back to English.
    let labels: [DashboardLanguage: [String: String]]
    let stylesheet: String
    let script: String

    /// - Throws: ``ServerError/Code/configuration`` naming the file that cannot be read or parsed.
    init(directory: URL) throws(ServerError) {
        self.directory = directory
        var library = MustacheLibrary()
        let fm = FileManager.default
        func read(_ name: String) throws(ServerError) -> String {
            let url = directory.appendingPathComponent(name)
            do { return try String(contentsOf: url, encoding: .utf8) } catch {
                throw ServerError(.configuration, "\(url.path) cannot be read (\(error.localizedDescription)); "
                    + "copy Templates/dashboard/ of breachmail's share directory into the working directory's templates/.")
            }
        }
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".mustache") }.sorted() } catch {
            throw ServerError(.configuration, "\(directory.path) cannot be read: copy Templates/dashboard/ of breachmail's share directory "
                + "into the working directory's templates/.")
        }
        for name in names {
            let text = try read(name)
            do { try library.register(text, named: String(name.dropLast(".mustache".count))) } catch {
                throw ServerError(.configuration, "\(directory.appendingPathComponent(name).path): not a valid Mustache template (\(error)); fix it.")
            }
        }
        self.library = library
        var labels: [DashboardLanguage: [String: String]] = [:]
        for language in DashboardLanguage.allCases {
            let name = "labels/\(language.rawValue).json"
            let text = try read(name)
            guard let words = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: String] else {
                throw ServerError(.configuration, "\(directory.appendingPathComponent(name).path) is not one JSON object of strings; fix it.")
            }
            labels[language] = words
        }
        self.labels = labels
        stylesheet = try read("static/dashboard.css")
        script = try read("static/dashboard.js")
    }

    /// Where the templates are: the working directory's copy, else the share directory's.
    static func locate(workingDirectory: URL, templates: String) -> URL {
        let own = URL(fileURLWithPath: templates, relativeTo: workingDirectory).appendingPathComponent("dashboard").standardizedFileURL
        if FileManager.default.fileExists(atPath: own.path) { return own }
        if let share = ProcessInfo.processInfo.environment["BREACHMAIL_SHARE"] {
            return URL(fileURLWithPath: share).appendingPathComponent("Templates/dashboard")
        }
        return own
    }

    /// The words of `language`, English where a word is missing.
    func words(_ language: DashboardLanguage) -> [String: String] {
        (labels[.en] ?? [:]).merging(labels[language] ?? [:]) { $1 }
    }

    /// `key` in `language`, with `{name}` placeholders filled in.
    func word(_ key: String, _ language: DashboardLanguage, _ values: [String: String] = [:]) -> String {
        var text = words(language)[key] ?? key
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// The page `name` rendered with `context`.
    ///
    /// - Throws: ``ServerError/Code/configuration`` when there is no such template.
    func render(_ name: String, _ context: [String: Any]) throws(ServerError) -> String {
        guard let html = library.render(context, withTemplate: name) else {
            throw ServerError(.configuration, "\(directory.appendingPathComponent(name + ".mustache").path) is missing; "
                + "copy it from breachmail's share directory (Templates/dashboard/).")
        }
        return html
    }
}
