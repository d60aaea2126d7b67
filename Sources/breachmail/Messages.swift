import Foundation

/// The language of breachmail's own messages on the command line: `breachmail --lang fr COMMAND`
/// (the option before the command), else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`: the first
/// one set, as POSIX reads them). English for `C`, `POSIX`, an unset locale and any language
/// breachmail does not speak. German is for the DPO's documents (the incident file, `incident
/// show`) where they exist in German; the other messages fall back to English.
enum UILanguage: String, CaseIterable, Sendable {
    case en, fr, de

    /// Read once, from the process's arguments and environment.
    static let current = resolve(arguments: CommandLine.arguments, environment: ProcessInfo.processInfo.environment)

    static func resolve(arguments: [String], environment: [String: String]) -> UILanguage {
        if let chosen = (try? GlobalLanguage.split(Array(arguments.dropFirst())))?.language { return chosen }
        for key in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let value = environment[key], !value.isEmpty { return UILanguage(locale: value) }
        }
        return .en
    }

    /// `fr_FR.UTF-8`, `fr_BE`, `de_DE@euro`, `en`: the language part; English for `C`, `POSIX`
    /// and languages breachmail does not speak.
    init(locale: String) {
        let code = locale.prefix { $0.isLetter }.lowercased()
        self = UILanguage(rawValue: code) ?? .en
    }
}

/// `breachmail --lang fr COMMAND…`: the one option taken before the command, for the language of
/// the messages (a command's own `--lang`, after it, is the language of the document it writes).
enum GlobalLanguage {
    /// The language chosen at the front of `arguments` (without the program name), and the
    /// arguments without it.
    /// - Throws: ``CLIError`` (64) for a language breachmail does not speak, or `--lang` without one.
    static func split(_ arguments: [String]) throws -> (language: UILanguage?, rest: [String]) {
        guard let first = arguments.first else { return (nil, arguments) }
        let value: String?
        let used: Int
        if first == "--lang" {
            value = arguments.count > 1 ? arguments[1] : nil
            used = 2
        } else if first.hasPrefix("--lang=") {
            value = String(first.dropFirst("--lang=".count))
            used = 1
        } else {
            return (nil, arguments)
        }
        guard let value, let language = UILanguage(rawValue: value.lowercased()) else {
            throw CLIError("--lang \(value ?? ""): use en, fr or de (before the command: breachmail --lang fr status ID).", .usage)
        }
        return (language, Array(arguments.dropFirst(used)))
    }
}

/// Every message of the command line that speaks more than English, in one place, by key: its
/// English text (the default, and what the tests of scripts pin), its French one, and its German
/// one where there is one (else English). A message that is not here is in English.
enum Message {
    // Every error.
    case errorPrefix
    // Files read by a command (`InputFile`).
    case fileMissing(path: String, what: InputKind)
    case fileIsDirectory(path: String, what: InputKind)
    case fileUnreadable(path: String)
    case fileNotUTF8(name: String, what: InputKind)
    // `incident open`.
    case opened(id: String, title: String)
    case notifyBy(due: String)
    // `subjects import`.
    case badDelimiter(String)
    case badEncoding(String)
    case badDefaultLanguage(String)
    case imported(file: String, id: String, encoding: String, separator: String)
    case rowsRead, accepted, duplicates, rejected
    case acceptedDetail(queued: Int, noAddress: Int)
    case rowsToLookAt(path: String)
    case everyRowClean
    case importHistory(sha256: String)
    // `subjects notify`.
    case campaignEnded(end: String, id: String, submitted: Int, deferred: Int, failed: Int, renderFailed: Int, recovered: Int)
    case deferredRetried(firstDue: String?)
    case interrupted(id: String)
    case setUpFailed(failure: String, id: String)
    case relayUnusable(seconds: Int, reply: String, id: String)
    // `status`: the headings (``heading`` pads them to the column of the values).
    case awareness, deadline, clock, assessment, subjects, failuresByReason, reach, publicNotice, review
    case people(Int)
    // `register verify`.
    case historyIntact(entries: Int, head: String)
    case historyNotIntact(sequence: Int64, message: String)
    case checkedEntries(Int)
    case keepTheHead
    case injectedClock

    /// The files a command reads, named in its errors.
    enum InputKind {
        case incidentFile, answersFile

        var en: String { self == .incidentFile ? "the incident file" : "the answers file" }
        var fr: String { self == .incidentFile ? "du fichier d'incident" : "du fichier de réponses" }
    }

    /// A heading of `status` padded to the column where the values start (12 in English, as
    /// scripts that read the text expect; 13 in French, for `Connaissance`).
    var heading: String {
        let word = text
        return word + String(repeating: " ", count: max(1, Self.headingWidth - word.count))
    }

    /// The indent of the lines that go on under a heading of `status`.
    static var headingIndent: String { String(repeating: " ", count: headingWidth) }

    static var headingWidth: Int { UILanguage.current == .fr ? 13 : 12 }

    /// The text in the language of the messages.
    var text: String { text(in: UILanguage.current) }

    func text(in language: UILanguage) -> String {
        let (en, fr, de) = texts
        switch language {
        case .en: return en
        case .fr: return fr
        case .de: return de ?? en
        }
    }

    /// English, French, German (nil: English).
    private var texts: (String, String, String?) {
        switch self {
        case .errorPrefix: ("Error: ", "Erreur : ", "Fehler: ")
        case .fileMissing(let path, let what):
            ("\(path) does not exist: give the path of \(what.en), or - to read it from standard input.",
             "\(path) n'existe pas : donnez le chemin \(what.fr), ou - pour le lire sur l'entrée standard.", nil)
        case .fileIsDirectory(let path, let what):
            ("\(path) is a directory: give the path of \(what.en), or - to read it from standard input.",
             "\(path) est un dossier : donnez le chemin \(what.fr), ou - pour le lire sur l'entrée standard.", nil)
        case .fileUnreadable(let path):
            ("\(path) cannot be read: check its permissions (ls -l \(path)).",
             "\(path) ne peut pas être lu : vérifiez ses droits (ls -l \(path)).", nil)
        case .fileNotUTF8(let name, let what):
            ("\(name) is not UTF-8 text: save \(what.en) as UTF-8.",
             "\(name) n'est pas du texte UTF-8 : enregistrez le contenu \(what.fr) en UTF-8.", nil)
        case .opened(let id, let title): ("Opened \(id): \(title)", "Incident \(id) ouvert : \(title)", nil)
        case .notifyBy(let due):
            ("Notify the authority by \(due) (72 h after awareness, Art. 33(1)).",
             "Notifiez l'autorité au plus tard le \(due) (72 h après la prise de connaissance, art. 33(1)).", nil)
        case .badDelimiter(let value): ("--delimiter \(value): use , ; or tab.", "--delimiter \(value) : utilisez , ; ou tab.", nil)
        case .badEncoding(let value):
            ("--encoding \(value): use utf-8 or windows-1252.", "--encoding \(value) : utilisez utf-8 ou windows-1252.", nil)
        case .badDefaultLanguage(let value):
            ("--default-language \(value): use fr, en or de.", "--default-language \(value) : utilisez fr, en ou de.", nil)
        case .imported(let file, let id, let encoding, let separator):
            ("Imported \(file) into \(id) (\(encoding), separator \(separator)).",
             "\(file) importé dans \(id) (\(encoding), séparateur \(separator)).", nil)
        case .rowsRead: ("  rows read   ", "  lignes lues ", nil)
        case .accepted: ("  accepted    ", "  acceptées   ", nil)
        case .duplicates: ("  duplicates  ", "  doublons    ", nil)
        case .rejected: ("  rejected    ", "  rejetées    ", nil)
        case .acceptedDetail(let queued, let noAddress):
            ("(\(queued) queued, \(noAddress) without a usable address: no_address)",
             "(\(queued) en file, \(noAddress) sans adresse utilisable : no_address)", nil)
        case .rowsToLookAt(let path):
            ("Rows to look at (line, outcome, reason): \(path)", "Lignes à examiner (ligne, issue, motif) : \(path)", nil)
        case .everyRowClean:
            ("Every row is a subject with a valid address.", "Chaque ligne est une personne avec une adresse valide.", nil)
        case .importHistory(let sha):
            ("Register history: subjects.imported, file SHA-256 \(sha).",
             "Historique du registre : subjects.imported, SHA-256 du fichier \(sha).", nil)
        case .campaignEnded(let end, let id, let submitted, let deferred, let failed, let renderFailed, let recovered):
            ("Campaign \(end) for \(id): this run submitted \(submitted), deferred \(deferred), failed \(failed), render_failed \(renderFailed)"
                + (recovered > 0 ? ", \(recovered) interrupted by an earlier run sent again" : "") + ".",
             "Campagne \(end) pour \(id) : ce passage a remis \(submitted), différé \(deferred), échoué \(failed), render_failed \(renderFailed)"
                + (recovered > 0 ? ", renvoyé \(recovered) interrompus par un passage précédent" : "") + ".", nil)
        case .deferredRetried(let firstDue):
            ("Deferred subjects are retried by running this command again after their next attempt time"
                + (firstDue.map { "; the first is due at \($0)." } ?? "."),
             "Les personnes différées sont retentées en relançant cette commande après leur prochaine tentative"
                + (firstDue.map { " ; la première est due le \($0)." } ?? "."), nil)
        case .interrupted(let id):
            ("interrupted: the messages in flight were recorded. Run `breachmail subjects notify \(id)` again to carry on.",
             "interrompu : les messages en cours ont été enregistrés. Relancez `breachmail subjects notify \(id)` pour continuer.", nil)
        case .setUpFailed(let failure, let id):
            ("the sending set-up failed (\(failure)); nobody was marked as failed. Fix it, then run `breachmail subjects notify \(id)` again.",
             "la configuration d'envoi a échoué (\(failure)) ; personne n'a été marqué en échec. Corrigez-la, puis relancez `breachmail subjects notify \(id)`.", nil)
        case .relayUnusable(let seconds, let reply, let id):
            ("the relay refused every message for \(seconds) s (last reply: \(reply)); the run stopped. Nobody was marked as failed: "
                + "the people tried are deferred, the others still queued. Run `breachmail subjects notify \(id)` again once the relay accepts mail.",
             "le relais a refusé tous les messages pendant \(seconds) s (dernière réponse : \(reply)) ; l'envoi s'est arrêté. Personne n'a été "
                + "marqué en échec : les personnes essayées sont différées, les autres toujours en file. Relancez `breachmail subjects notify \(id)` "
                + "quand le relais accepte de nouveau le courrier.", nil)
        case .awareness: ("Awareness", "Connaissance", nil)
        case .deadline: ("Deadline", "Échéance", nil)
        case .clock: ("Clock", "Horloge", nil)
        case .assessment: ("Assessment", "Évaluation", nil)
        case .subjects: ("Subjects", "Personnes", nil)
        case .failuresByReason: ("Failures by reason", "Échecs par motif", nil)
        case .reach: ("Reach", "Portée", nil)
        case .publicNotice: ("Public", "Public", nil)
        case .review: ("Review", "À examiner", nil)
        case .people(let n): ("\(n) people", "\(n) personne\(n > 1 ? "s" : "")", nil)
        case .historyIntact(let entries, let head):
            ("The register history is intact: \(entries) entries, head \(head).",
             "L'historique du registre est intact : \(entries) entrées, tête \(head).", nil)
        case .historyNotIntact(let sequence, let message):
            ("The register history is NOT intact: entry \(sequence): \(message).",
             "L'historique du registre n'est PAS intact : entrée \(sequence) : \(message).", nil)
        case .checkedEntries(let n):
            ("Checked \(n) entries. Restore the register from a backup and compare.",
             "\(n) entrées vérifiées. Restaurez le registre depuis une sauvegarde et comparez.", nil)
        case .keepTheHead:
            ("Keep the head hash outside the register (`breachmail register seal`) to detect a rewritten or cut tail later.",
             "Gardez l'empreinte de tête hors du registre (`breachmail register seal`) pour détecter plus tard une fin réécrite ou coupée.", nil)
        case .injectedClock:
            ("Note: this register takes the injected clock (BREACHMAIL_NOW): a test or demo register, its times are not evidence.",
             "Note : ce registre prend l'horloge injectée (BREACHMAIL_NOW) : un registre de test ou de démonstration, ses heures ne font pas preuve.", nil)
        }
    }
}
