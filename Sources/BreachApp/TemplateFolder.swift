import BreachConfig
public import BreachCore
public import Foundation
import Mustache

/// A folder of HTML templates with their words, under the working directory's templates
/// (`templates/dashboard/`, `templates/report/`, `templates/portal/`): `*.mustache` pages and
/// partials, and `labels/LANG.json` the words per language, so a controller can adapt both
/// without touching breachmail.
///
/// ```swift
/// let folder = try TemplateFolder(directory: TemplateFolder.locate("report", ws))
/// let html = try folder.render("report.html", ["t": folder.words(.fr)])
/// ```
public struct TemplateFolder: Sendable {
    /// Where the templates were read from.
    public let directory: URL
    /// The folder's name under the templates (`report`), for the messages.
    public let name: String
    private let library: MustacheLibrary
    /// Words by language; a key missing in a language falls back to English.
    private let labels: [Language: [String: String]]

    /// Reads every `*.mustache` file of `directory` and `labels/fr.json`, `en.json`, `de.json`.
    ///
    /// - Throws: ``AppError`` `configuration` naming the file that cannot be read or parsed, and the fix.
    public init(directory: URL) throws(AppError) {
        self.directory = directory
        name = directory.lastPathComponent
        var library = MustacheLibrary()
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".mustache") }.sorted()
        } catch {
            throw AppError(.configuration, "\(directory.path) cannot be read: copy Templates/\(name)/ of breachmail's share directory "
                + "into the working directory's templates/.")
        }
        for file in names {
            let text = try Self.read(directory, file)
            do { try library.register(text, named: String(file.dropLast(".mustache".count))) } catch {
                throw AppError(.configuration, "\(directory.appendingPathComponent(file).path): not a valid Mustache template (\(error)); fix it.")
            }
        }
        self.library = library
        var labels: [Language: [String: String]] = [:]
        for language in Language.allCases {
            let file = "labels/\(language.rawValue).json"
            let text = try Self.read(directory, file)
            guard let words = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: String] else {
                throw AppError(.configuration, "\(directory.appendingPathComponent(file).path) is not one JSON object of strings; fix it.")
            }
            labels[language] = words
        }
        self.labels = labels
    }

    /// Where the folder `name` is: the working directory's copy (`storage.templates`), else, for a
    /// working directory made before the folder existed, breachmail's share directory
    /// (`BREACHMAIL_SHARE`); the working directory's path when neither has it (its error names it).
    public static func locate(_ name: String, workingDirectory: URL, templates: String) -> URL {
        let own = URL(fileURLWithPath: templates, relativeTo: workingDirectory).appendingPathComponent(name).standardizedFileURL
        if FileManager.default.fileExists(atPath: own.path) { return own }
        if let share = ProcessInfo.processInfo.environment["BREACHMAIL_SHARE"] {
            let shared = URL(fileURLWithPath: share).appendingPathComponent("Templates/\(name)")
            if FileManager.default.fileExists(atPath: shared.path) { return shared }
        }
        return own
    }

    /// The folder `name` of a working directory (see ``locate(_:workingDirectory:templates:)``).
    public static func locate(_ name: String, _ ws: Workspace) -> URL {
        locate(name, workingDirectory: ws.directory, templates: ws.configuration.storage.templates)
    }

    /// The file `file` of the folder, as text (a stylesheet, a script).
    ///
    /// - Throws: ``AppError`` `configuration` naming the file and the fix.
    public func read(_ file: String) throws(AppError) -> String { try Self.read(directory, file) }

    private static func read(_ directory: URL, _ file: String) throws(AppError) -> String {
        let url = directory.appendingPathComponent(file)
        do { return try String(contentsOf: url, encoding: .utf8) } catch {
            throw AppError(.configuration, "\(url.path) cannot be read (\(error.localizedDescription)); "
                + "copy Templates/\(directory.lastPathComponent)/ of breachmail's share directory into the working directory's templates/.")
        }
    }

    /// The words of `language`, English where a word is missing.
    public func words(_ language: Language) -> [String: String] {
        (labels[.en] ?? [:]).merging(labels[language] ?? [:]) { $1 }
    }

    /// `key` in `language`, with `{name}` placeholders filled in; the key itself when no language has it.
    public func word(_ key: String, _ language: Language, _ values: [String: String] = [:]) -> String {
        var text = words(language)[key] ?? key
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// The template `name` rendered with `context`.
    ///
    /// - Throws: ``AppError`` `configuration` when there is no such template.
    public func render(_ template: String, _ context: [String: Any]) throws(AppError) -> String {
        guard let html = library.render(Self.withoutNil(context), withTemplate: template) else {
            throw AppError(.configuration, "\(directory.appendingPathComponent(template + ".mustache").path) is missing; "
                + "copy it from breachmail's share directory (Templates/\(name)/).")
        }
        return html
    }

    /// `values` without the nil optionals held in `Any`, at every depth: Mustache would take one
    /// for a present value in `{{#…}}` and write it as "nil".
    static func withoutNil(_ values: [String: Any]) -> [String: Any] {
        values.compactMapValues(cleaned)
    }

    private static func cleaned(_ value: Any) -> Any? {
        switch value {
        case let dictionary as [String: Any]: return withoutNil(dictionary)
        case let array as [[String: Any]]: return array.map(withoutNil)
        case let array as [Any]: return array.compactMap(cleaned)
        default:
            let mirror = Mirror(reflecting: value)
            guard mirror.displayStyle == .optional else { return value }
            return mirror.children.first.flatMap { cleaned($0.value) }
        }
    }
}
