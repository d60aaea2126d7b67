internal import Mustache

/// A subject message rendered once for everyone whose values are present in the same way, with
/// a marker in place of each value, tidied, and its lines without values already in
/// quoted-printable. A person's message is then the skeleton with their values put in the
/// markers' place: only the lines that hold a value are encoded again.
///
/// It gives the bytes that rendering gives because everything but the markers depends only on
/// which values are present: sections and inverted sections test presence, the required-field
/// check tests presence, values are trimmed and an empty one is absent. What could tell a value
/// from its marker is refused, and those messages are rendered as before:
/// - in the templates: a transform applied to a subject value, a marker character in the
///   templates or in the incident data (``LoadedTemplate/skeletonObstacle``), a marker that does
///   not come out of the renderer whole, or text next to a marker that could join it into one
///   character (tidying trims characters, and a character is a grapheme cluster);
/// - in a value (``accepts(_:)``): a control character (CR, LF, tab, NUL…), or a first or last
///   character that could join the text next to it into one grapheme cluster (a combining mark
///   first, a zero-width joiner, a regional indicator…).
struct SubjectSkeleton: Sendable {
    /// A piece of a line: template text, or the place of a value.
    enum Piece: Sendable {
        case text([UInt8])
        /// The value of `template.subjectNames[slot]`, HTML-escaped or as it is.
        case value(slot: Int, escaped: Bool)
    }

    /// A body, run by run: lines already encoded (with their CRLF), or a line holding values.
    struct Body: Sendable {
        enum Run: Sendable {
            case encoded([UInt8])
            case line([Piece])
        }
        let runs: [Run]
        /// The size of the skeleton's text, to reserve room for a message.
        let utf8Count: Int
    }

    /// The subject line; a `.text` piece alone when no value is in it.
    let subjectLine: [Piece]
    let text: Body
    let html: Body?

    /// Presence is kept as the bits of a `UInt64`.
    static let maximumNames = 64

    /// The characters a marker starts and ends with: private-use, never produced by the templates.
    static func isMarker(_ scalar: Unicode.Scalar) -> Bool { scalar == "\u{E000}" || scalar == "\u{E001}" }

    /// The marker of a slot. The `&` inside shows whether the renderer HTML-escaped it (`&amp;`).
    static func marker(_ slot: Int) -> String { "\u{E000}&\(slot)\u{E001}" }

    /// The skeleton of a render whose values were markers.
    ///
    /// - Parameters:
    ///   - output: what the templates rendered, before tidying: where markers' neighbours are checked.
    ///   - rendered: the same, tidied and checked.
    /// - Throws: ``SkeletonRefusal/skeleton(_:)`` when a marker is not whole or could join its neighbours.
    init(output: TemplateOutput, rendered: RenderedMessage, slots: Int) throws(SkeletonRefusal) {
        for text in [output.subject, output.text, output.html ?? ""] where !Self.markersStandAlone(text) {
            throw .skeleton("a subject value stands next to a character it could join")
        }
        guard let subjectLine = Self.pieces(Array(rendered.subject.utf8)[...], slots: slots),
              let text = Self.body(rendered.text, slots: slots) else {
            throw .skeleton("a subject value does not come out of the templates whole")
        }
        var html: Body?
        if let h = rendered.html {
            guard let body = Self.body(h, slots: slots) else {
                throw .skeleton("a subject value does not come out of the HTML template whole")
            }
            html = body
        }
        self.subjectLine = subjectLine
        self.text = text
        self.html = html
    }

    // MARK: Values

    /// Whether `value` can take its marker's place: no control character, and nothing at its
    /// ends that could join the text around it into one character.
    static func accepts(_ value: String) -> Bool {
        let scalars = value.unicodeScalars
        guard let first = scalars.first, standsAlone(first), endsAlone(scalars) else { return false }
        return scalars.allSatisfy { $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) }
    }

    /// Whether the end of a value cannot join the text after it: its last scalar stands alone,
    /// or the value ends in marks (vowel signs, points, accents: ``isTrailingMark(_:)``) after a
    /// scalar that stands alone. Marks join what comes before them, never what comes after; a
    /// virama among them could join a consonant after it (Unicode's rule GB9c), so it is refused.
    static func endsAlone(_ scalars: String.UnicodeScalarView) -> Bool {
        for scalar in scalars.reversed() {
            if standsAlone(scalar) { return true }
            guard isTrailingMark(scalar) else { return false }
        }
        return false
    }

    /// Combining marks that never join what follows them (Grapheme_Cluster_Break `Extend` or
    /// `SpacingMark`, not a virama): combining accents, and the vowel signs and points of the
    /// scripts ``standsAlone(_:)`` takes.
    static func isTrailingMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x300...0x36F,  // combining diacritical marks
             0x591...0x5BD, 0x5BF, 0x5C1...0x5C2, 0x5C4...0x5C5, 0x5C7,  // Hebrew points and accents
             0x610...0x61A, 0x64B...0x65F, 0x670, 0x6D6...0x6DC, 0x6DF...0x6E4, 0x6E7...0x6E8, 0x6EA...0x6ED,  // Arabic marks
             0x900...0x903, 0x93A...0x93C, 0x93E...0x94C, 0x94E...0x94F, 0x951...0x957, 0x962...0x963,  // Devanagari (not 0x94D)
             0x981...0x983, 0x9BC, 0x9BE...0x9C4, 0x9C7...0x9C8, 0x9CB...0x9CC, 0x9D7, 0x9E2...0x9E3,  // Bengali (not 0x9CD)
             0xB82, 0xBBE...0xBC2, 0xBC6...0xBC8, 0xBCA...0xBCC, 0xBD7,  // Tamil (not 0xBCD)
             0xE31, 0xE33...0xE39, 0xE47...0xE4E:  // Thai (not 0xE3A)
            return true
        default:
            return false
        }
    }

    /// Scalars that, next to one another or to a control character, always end a grapheme
    /// cluster (Unicode's Grapheme_Cluster_Break `Other`, or a Hangul syllable, which only joins
    /// conjoining jamo): letters and signs of the Latin, Greek, Cyrillic, Armenian, Hebrew,
    /// Arabic, Devanagari, Bengali, Tamil, Thai, Georgian, CJK, kana and Hangul blocks, common
    /// punctuation and symbols, emoji without modifiers. Not combining marks or vowel signs, not
    /// viramas, not joiners, not regional indicators, not the prepended marks of some scripts
    /// (Arabic's number signs U+0600–0605 and U+06DD). The direction of a script changes nothing
    /// here: the bytes are the same, in the same order, whichever way they are shown.
    static func standsAlone(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0x7E,  // ASCII, no control
             0xA0...0xAC, 0xAE...0x24F,  // Latin-1 (not the soft hyphen), Latin Extended-A and -B
             0x370...0x3FF,  // Greek
             0x400...0x482, 0x48A...0x52F,  // Cyrillic (not its combining marks)
             0x531...0x556, 0x559...0x58A,  // Armenian
             0x5BE, 0x5C0, 0x5C3, 0x5C6, 0x5D0...0x5EA, 0x5EF...0x5F4,  // Hebrew letters and punctuation (not the points)
             0x606...0x60F, 0x61B, 0x61D...0x64A, 0x660...0x66F, 0x671...0x6D5, 0x6DE, 0x6E5...0x6E6, 0x6E9, 0x6EE...0x6FF,  // Arabic
             0x750...0x77F,  // Arabic Supplement
             0x904...0x939, 0x93D, 0x950, 0x958...0x961, 0x964...0x97F,  // Devanagari letters, digits, dandas
             0x985...0x9B9, 0x9BD, 0x9CE, 0x9DC...0x9E1, 0x9E6...0x9FD,  // Bengali letters and digits
             0xB83...0xBB9, 0xBD0, 0xBE6...0xBFA,  // Tamil letters and digits
             0xE01...0xE30, 0xE32, 0xE3F...0xE46, 0xE4F...0xE5B,  // Thai letters, leading vowels and digits
             0x10A0...0x10FF,  // Georgian
             0x1E00...0x1FFF,  // Latin Extended Additional, Greek Extended
             0x2010...0x2027, 0x2030...0x205E,  // punctuation (not the zero-width, bidi and line separators)
             0x20A0...0x20C0,  // currency signs
             0x2100...0x218B,  // letterlike symbols, number forms
             0x2600...0x27BF,  // symbols, dingbats
             0x3041...0x3096, 0x30A1...0x30FA, 0x30FC...0x30FF,  // kana (not the combining sound marks)
             0x3400...0x4DBF, 0x4E00...0x9FFF,  // CJK ideographs
             0xAC00...0xD7A3,  // Hangul syllables
             0xFF01...0xFF5E,  // fullwidth forms
             0x1F300...0x1F3FA, 0x1F400...0x1F64F, 0x1F680...0x1F6FF, 0x1F900...0x1F9FF:  // emoji (not the skin tones)
            return true
        default:
            return false
        }
    }

    /// `value` as the HTML template shows it: escaped by swift-mustache itself, so exactly as
    /// rendering escapes it.
    static func htmlEscaped(_ value: String) -> String {
        guard value.utf8.contains(where: { escapedBytes.contains($0) }) else { return value }
        return escaper.render(["value": value])
    }

    /// Every character swift-mustache's HTML escaping changes is one of these (`<>&"'`); no
    /// other scalar is canonically equivalent to one of them.
    private static let escapedBytes: [UInt8] = Array("<>&\"'".utf8)

    private static let escaper: MustacheTemplate = {
        do { return try MustacheTemplate(string: "{{value}}") } catch { preconditionFailure("\(error)") }
    }()

    // MARK: Reading a skeleton

    /// Whether every marker in `text` has, on each side, the start or end of the text, a control
    /// character, another marker or a scalar that ``standsAlone(_:)``.
    private static func markersStandAlone(_ text: String) -> Bool {
        var previous: Unicode.Scalar?
        var afterMarker = false
        for scalar in text.unicodeScalars {
            if afterMarker, !fitsNextToValue(scalar) { return false }
            if scalar == "\u{E000}", let previous, !fitsNextToValue(previous) { return false }
            afterMarker = scalar == "\u{E001}"
            previous = scalar
        }
        return true
    }

    private static func fitsNextToValue(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || isMarker(scalar) || standsAlone(scalar)
    }

    private static let open: [UInt8] = [0xEE, 0x80, 0x80], close: [UInt8] = [0xEE, 0x80, 0x81]
    private static let ampersand = UInt8(ascii: "&"), escapedAmpersand: [UInt8] = Array("&amp;".utf8)

    /// A line split at its markers; nil when a marker is not whole or names no slot.
    private static func pieces(_ line: ArraySlice<UInt8>, slots: Int) -> [Piece]? {
        var pieces: [Piece] = []
        var textStart = line.startIndex
        var i = line.startIndex
        func at(_ bytes: [UInt8], _ index: Int) -> Bool {
            index + bytes.count <= line.endIndex && line[index..<index + bytes.count].elementsEqual(bytes)
        }
        while i < line.endIndex {
            if at(close, i) { return nil }
            guard at(open, i) else { i += 1; continue }
            if textStart < i { pieces.append(.text(Array(line[textStart..<i]))) }
            var j = i + open.count
            let escaped = at(escapedAmpersand, j)
            if escaped {
                j += escapedAmpersand.count
            } else {
                guard j < line.endIndex, line[j] == ampersand else { return nil }
                j += 1
            }
            var slot = 0
            let digits = j
            while j < line.endIndex, (48...57).contains(line[j]), j - digits < 3 {
                slot = slot * 10 + Int(line[j] - 48)
                j += 1
            }
            guard j > digits, slot < slots, at(close, j) else { return nil }
            pieces.append(.value(slot: slot, escaped: escaped))
            i = j + close.count
            textStart = i
        }
        if textStart < line.endIndex || pieces.isEmpty { pieces.append(.text(Array(line[textStart...]))) }
        return pieces
    }

    /// A tidied body: the lines without a value encoded once, the others kept as pieces.
    private static func body(_ text: String, slots: Int) -> Body? {
        var bytes = Array(text.utf8)
        if bytes.last != 10 { bytes.append(10) }  // as MIMEText.quotedPrintable ends a body
        var runs: [Body.Run] = []
        var encoded: [UInt8] = []
        var ok = true
        MIMEText.forEachLine(bytes) { line in
            guard ok else { return }
            if line.contains(0xEE) {
                guard let pieces = pieces(line, slots: slots) else { ok = false; return }
                if pieces.contains(where: { if case .value = $0 { true } else { false } }) {
                    if !encoded.isEmpty { runs.append(.encoded(encoded)); encoded = [] }
                    runs.append(.line(pieces))
                    return
                }
            }
            MIMEText.quotedPrintableLine(line, into: &encoded)
            encoded.append(contentsOf: MIMEText.crlf)
        }
        guard ok else { return nil }
        if !encoded.isEmpty { runs.append(.encoded(encoded)) }
        return Body(runs: runs, utf8Count: bytes.count)
    }
}

/// Why a subject's message is rendered from its templates rather than composed from a skeleton.
/// Names variables, never values.
package enum SkeletonRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The templates (or the incident data) keep every message of this composition from a skeleton.
    case template(String)
    /// The skeleton of this combination of present values cannot be made.
    case skeleton(String)
    /// This subject's value of the named variable could change the text around it.
    case value(String)

    package var description: String {
        switch self {
        case .template(let why): return "no skeleton for these templates: \(why)"
        case .skeleton(let why): return "no skeleton for this combination of values: \(why)"
        case .value(let name): return "the value of \(name) is rendered: a control character, or an end that could join the text around it"
        }
    }
}

/// One person's values by slot, as a skeleton puts them in.
struct SlotValues {
    let raw: [String?]
    let escaped: [String?]

    init(_ raw: [String?]) {
        self.raw = raw
        escaped = raw.map { $0.map(SubjectSkeleton.htmlEscaped) }
    }

    /// The subject line of `skeleton` with these values.
    func subjectLine(_ skeleton: SubjectSkeleton) -> String {
        var line: [UInt8] = []
        for piece in skeleton.subjectLine { append(piece, to: &line) }
        return String(decoding: line, as: UTF8.self)
    }

    func append(_ piece: SubjectSkeleton.Piece, to bytes: inout [UInt8]) {
        switch piece {
        case .text(let text): bytes.append(contentsOf: text)
        case .value(let slot, let escaped): bytes.append(contentsOf: value(slot, escaped: escaped).utf8)
        }
    }

    /// A skeleton has a marker only for the values present, so the value is always there.
    private func value(_ slot: Int, escaped: Bool) -> String {
        (escaped ? self.escaped[slot] : raw[slot]) ?? ""
    }
}

/// A skeleton's body with one person's values: written as ``MIMEBuilder`` writes a body.
struct FilledBody: QuotedPrintableText {
    let body: SubjectSkeleton.Body
    let values: SlotValues

    var utf8Count: Int { body.utf8Count }

    func writeQuotedPrintable(into out: inout [UInt8]) {
        var line: [UInt8] = []
        for run in body.runs {
            switch run {
            case .encoded(let bytes):
                out.append(contentsOf: bytes)
            case .line(let pieces):
                line.removeAll(keepingCapacity: true)
                for piece in pieces { values.append(piece, to: &line) }
                MIMEText.quotedPrintableLine(line[...], into: &out)
                out.append(contentsOf: MIMEText.crlf)
            }
        }
    }
}
