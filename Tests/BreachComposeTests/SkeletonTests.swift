@testable import BreachCompose
import BreachCore
import BreachTestSupport
import Foundation
import Testing

// A subject message composed from its skeleton must be, byte for byte, the message rendering
// gives (same generator state: same Message-ID and boundaries), and fail with the same error.

/// What composing gave: the bytes, or the error.
private enum Outcome: Equatable {
    case message([UInt8], messageID: String)
    case failed(ComposeError)

    var bytes: [UInt8]? {
        if case .message(let bytes, _) = self { return bytes }
        return nil
    }
}

private func outcome(_ compose: (inout SeededRandom) throws(ComposeError) -> BuiltMessage, seed: UInt64) -> Outcome {
    var random = SeededRandom(seed: seed)
    do {
        let built = try compose(&random)
        return .message(built.bytes, messageID: built.messageID)
    } catch {
        return .failed(error)
    }
}

/// The message both ways, from identically seeded generators.
private func bothWays(_ prepared: PreparedComposition, _ subject: SubjectFields, seed: UInt64) -> (skeleton: Outcome, rendered: Outcome) {
    let skeleton = outcome({ (random: inout SeededRandom) throws(ComposeError) in
        try prepared.message(subject: subject, from: Fixture.sender, replyTo: Fixture.sender, builder: Fixture.builder, using: &random)
    }, seed: seed)
    let rendered = outcome({ (random: inout SeededRandom) throws(ComposeError) in
        try prepared.renderedMessage(subject: subject, from: Fixture.sender, replyTo: Fixture.sender, builder: Fixture.builder, using: &random)
    }, seed: seed)
    return (skeleton, rendered)
}

/// Subjects of every kind a CSV can bring, from a seed: names with accents, HTML and
/// quoted-printable specials, a leading `.` or `From `, emoji, CJK, very long names, none at all;
/// addresses good and bad; member numbers present, blank or missing; columns no template uses.
private struct SubjectMaker {
    var random: SeededRandom

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    mutating func pick<T>(_ list: [T]) -> T { list[Int(random.next() % UInt64(list.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }

    static let words = [
        "Zoé", "Lefèvre", "O'Brien", "Smith & Sons", "<b>Bob</b>", "\"Quoted\"", "a=b", "==", "Müller-Lüdenscheidt",
        "王小明", "김민준", "Ἀθηνᾶ", "Дмитрий", "🙂", "🚀x", "José", "Zoe\u{301}", "ß", "=?utf-8?q?x?=", "&amp;", "<script>",
        "Ñoño", "l'été", "x>y", "Œuvre", "ĳ", "Ø", "ﾃｽﾄ", "テスト", "ひらがな", "“curly”", "—", "€100", "🎉🎉", "Ωμέγα",
        "dot.", "=3D", "_", "?", "%20", "\\", "back\\slash", "tab", "ÀÉÎÕÜ", "ŁÓDŹ", "ǅ",
    ] + Self.scriptNames
    /// Names in the scripts of issue 18 (right to left included), some ending in a vowel sign,
    /// a point or a virama.
    static let scriptNames = [
        "محمد", "فاطمة", "عَلِيّ", "عبد الله", "ٱلْحَسَن", "Zoé محمد", "محمد (Mohamed)", "فاطمة٢", "ژیلا", "ۀ",
        "יוסף", "שָׁלוֹם", "דָּוִד", "רחל-לאה", "מֹשֶׁה", "׳", "Zoé יוסף",
        "राम", "सीता", "प्रिया", "लक्ष्मी", "क्", "श्री", "अर्जुन।", "हिंदी", "ॐ",
        "অমিত", "রবীন্দ্রনাথ", "தமிழ்", "முருகன்", "สมชาย", "เกศินี", "Արամ", "გიორგი",
    ]
    static let prefixes = ["", "", "", ".", "From ", "  ", " . ", "=", "F", ".."]
    static let suffixes = ["", "", "", " ", ".", "=", "  \t", " From"]

    mutating func name() -> String {
        if chance(8) { return pick(["", " ", "\t", "   "]) }
        var words: [String] = []
        let count = chance(10) ? 20 + Int(random.next() % 30) : 1 + Int(random.next() % 4)
        for _ in 0..<count { words.append(pick(Self.words)) }
        return pick(Self.prefixes) + words.joined(separator: pick([" ", " ", "  ", "-"])) + pick(Self.suffixes)
    }

    mutating func email(_ n: Int) -> String {
        if chance(5) { return pick(["", "nobody", "zoé@exemple.fr", "a@b@", "x@-bad-.example", " @exemple.fr"]) }
        return pick(["person.\(n)@exemple.fr", " spaced.\(n)@exemple.fr ", "UPPER.\(n)@EXEMPLE.FR", "p\(n)@bücher.example"])
    }

    mutating func fields(_ n: Int) -> [String: String] {
        var fields: [String: String] = [:]
        if !chance(15) { fields["member_no"] = pick(["M-\(n)", "", " ", "<&>\"'", "=3D", "From here", ".", "№ \(n)"]) }
        if chance(50) { fields["branch"] = pick(["Ettelbruck", "Diekirch & Vianden", " ", "", "Esch/Alzette", "🏃"]) }
        if chance(30) { fields["unused column"] = pick(["\u{E000}&0\u{E001}", "anything\nat all", "x"]) }
        return fields
    }

    mutating func subject(_ n: Int) -> SubjectFields {
        SubjectFields(name: name(), email: email(n), fields: fields(n))
    }
}

/// Values that cannot take a marker's place: each subject with one is rendered.
private let renderedValues: [String] = [
    "Eve\nBcc: victim@example.org", "Eve\r\nBcc: victim@example.org", "A\rB", "A\tB", "Nul\u{0}", "Next\u{85}Line",
    "\u{301}Zoé", "Zoé\u{200D}", "🇫🇷", "Zoé 🇱🇺", "👍🏽", "\u{1100}\u{1161}", "\u{E000}", "x\u{7F}",
]

private func prepared(_ composer: Composer, _ language: Language) throws -> PreparedComposition {
    try composer.prepare(Fixture.context(.subject, language))
}

@Test("the skeleton gives the bytes rendering gives, for thousands of subjects", arguments: Language.allCases)
func skeletonMatchesRenderingOnShippedTemplates(language: Language) throws {
    let composition = try prepared(Fixture.composer, language)
    var maker = SubjectMaker(seed: 34 + UInt64(language.rawValue.utf8.first!))
    var fromSkeleton = 0, failed = 0
    for n in 0..<1_500 {
        let subject = maker.subject(n)
        let (skeleton, rendered) = bothWays(composition, subject, seed: UInt64(n))
        #expect(skeleton == rendered, "subject \(n): \(subject)")
        if composition.skeletonRefusal(for: subject) == nil { fromSkeleton += 1 }
        if case .failed = rendered { failed += 1 }
    }
    // Nearly every generated subject goes through the skeleton, and some fail (bad addresses).
    #expect(fromSkeleton > 1_400)
    #expect(failed > 10)
    #expect(composition.compositionCounts.fromSkeleton == fromSkeleton)
    #expect(composition.compositionCounts.rendered == 1_500 - fromSkeleton)
}

@Test func aPlainSubjectIsComposedFromTheSkeleton() throws {
    let composition = try prepared(Fixture.composer, .en)
    #expect(composition.skeletonRefusal(for: Fixture.subject) == nil)
    #expect(composition.skeletonRefusal(for: SubjectFields(email: "x@example.org")) == nil)
    var random = SeededRandom(seed: 1)
    _ = try composition.message(subject: Fixture.subject, from: Fixture.sender, builder: Fixture.builder, using: &random)
    _ = try composition.message(subject: SubjectFields(email: "x@example.org"), from: Fixture.sender, builder: Fixture.builder, using: &random)
    #expect(composition.compositionCounts == (fromSkeleton: 2, rendered: 0))
    // The greeting is in the skeleton: the name's line is the only one left to encode.
    let skeleton = try composition.skeletonPlan(SubjectValues(Fixture.subject)).get().skeleton
    let lines = skeleton.text.runs.filter { if case .line = $0 { true } else { false } }
    #expect(lines.count == 1)
}

@Test("a value that could change the text around it is rendered, with the same bytes", arguments: renderedValues)
func valuesThatCannotTakeAMarkersPlaceAreRendered(value: String) throws {
    let composition = try prepared(Fixture.composer, .fr)
    let subject = SubjectFields(name: value, email: "zoe@exemple.fr", fields: ["member_no": "M-1"])
    #expect(composition.skeletonRefusal(for: subject) == .value("subject.name"))
    let (skeleton, rendered) = bothWays(composition, subject, seed: 9)
    #expect(skeleton == rendered)
    #expect(composition.compositionCounts == (fromSkeleton: 0, rendered: 1))
}

@Test func markerCharactersInsideAValueAreJustText() throws {
    let composition = try prepared(Fixture.composer, .de)
    let subject = SubjectFields(name: "x\u{E000}&0\u{E001}y \u{E000}&amp;0\u{E001}z", email: "x@example.org")
    #expect(composition.skeletonRefusal(for: subject) == nil)
    let (skeleton, rendered) = bothWays(composition, subject, seed: 3)
    #expect(skeleton == rendered)
    #expect(skeleton.bytes != nil)
}

@Test func aHeaderInjectionThroughTheNameFailsTheSameWay() throws {
    let composition = try prepared(Fixture.composer, .fr)
    let subject = SubjectFields(name: "Eve\r\nBcc: victim@example.org", email: "eve@example.org")
    let (skeleton, rendered) = bothWays(composition, subject, seed: 1)
    #expect(skeleton == .failed(.header(HeaderValueError(field: "display name", character: 13))))
    #expect(rendered == skeleton)
}

// MARK: Custom templates

private func edit(_ dir: URL, _ file: String, _ change: (String) -> String) throws {
    let url = dir.appendingPathComponent(file)
    try change(try String(contentsOf: url, encoding: .utf8)).write(to: url, atomically: true, encoding: .utf8)
}

/// The shipped templates with subject values everywhere a template can put one: in the subject
/// line, in sections and inverted sections, unescaped, at the start, middle and end of a line,
/// two on a line, one alone on a line, before trailing white space, in the HTML.
private func customTemplates() throws -> (TemporaryDirectory, Composer) {
    let dir = try TemporaryDirectory("templates")
    try copyTemplates(to: dir.url)
    try edit(dir.url, "en/subject.txt.mustache") {
        $0.replacingOccurrences(of: "Subject: {{controller.name}}",
                                with: "Subject: {{#subject.name}}{{subject.name}}, {{/subject.name}}{{controller.name}}")
            .replacingOccurrences(of: "\nWe are writing", with: """

                {{#subject.name}}{{{subject.name}}} — {{/subject.name}}your member number is {{subject.fields.member_no}}.
                {{subject.fields.member_no}}
                Member {{subject.fields.member_no}}{{#subject.name}} ({{subject.name}}){{/subject.name}} of {{controller.name}}
                {{^subject.fields.branch}}No branch on file.{{/subject.fields.branch}}
                {{#subject.fields.branch}}Branch: {{subject.fields.branch}}{{subject.fields.member_no}}, {{#subject.email}}{{subject.email}}{{/subject.email}}{{/subject.fields.branch}}
                Number, then spaces: {{subject.fields.member_no}}   \t
                {{#subject.fields.branch}}
                {{subject.fields.branch}}
                {{/subject.fields.branch}}
                We are writing
                """)
    }
    try edit(dir.url, "en/subject.html.mustache") {
        $0.replacingOccurrences(of: "<p>We are writing", with: """
            <p>Member {{subject.fields.member_no}}{{#subject.name}} ({{subject.name}}){{/subject.name}}</p>
            {{subject.fields.member_no}} is your number<br>
            {{#subject.fields.branch}}<p>{{subject.fields.branch}}</p>{{/subject.fields.branch}}
            <p>We are writing
            """)
    }
    return (dir, Composer(templates: try TemplateSet(directory: dir.url)))
}

@Test func customTemplatesWithSubjectValuesEverywhereGiveTheSameBytes() throws {
    let (dir, composer) = try customTemplates()
    _ = dir
    let composition = try prepared(composer, .en)
    #expect(composition.template.subjectNames == ["subject.name", "subject.fields.member_no", "subject.fields.branch", "subject.email"])
    var maker = SubjectMaker(seed: 2026)
    var refused = 0, missing = 0
    for n in 0..<1_500 {
        let subject = maker.subject(n)
        let (skeleton, rendered) = bothWays(composition, subject, seed: UInt64(n))
        #expect(skeleton == rendered, "subject \(n): \(subject)")
        if composition.skeletonRefusal(for: subject) != nil { refused += 1 }
        if case .failed(.missingSubjectField) = rendered { missing += 1 }
    }
    // Those that lack their member number fail before any skeleton; of the others, nearly all
    // are composed from one.
    #expect(missing > 300)
    #expect(composition.compositionCounts.fromSkeleton > 900)
    #expect(refused < 100)
}

@Test func aMissingRequiredFieldFailsTheSameWayWithFileAndLine() throws {
    let (dir, composer) = try customTemplates()
    _ = dir
    let composition = try prepared(composer, .en)
    for member in [nil, "", "  "] as [String?] {
        let subject = SubjectFields(name: "Zoé", email: "zoe@exemple.fr", fields: member.map { ["member_no": $0] } ?? [:])
        let (skeleton, rendered) = bothWays(composition, subject, seed: 5)
        #expect(skeleton == .failed(.missingSubjectField(field: "subject.fields.member_no", file: "en/subject.txt.mustache", line: 10)))
        #expect(rendered == skeleton)
    }
    // Present, it is composed from a skeleton, with the value in each of its places.
    let subject = SubjectFields(name: "Zoé", email: "zoe@exemple.fr", fields: ["member_no": "M-7", "branch": "Diekirch"])
    #expect(composition.skeletonRefusal(for: subject) == nil)
    let (skeleton, rendered) = bothWays(composition, subject, seed: 5)
    #expect(skeleton == rendered)
    let text = try composition.render(subject: subject).text
    #expect(text.contains("Zoé — your member number is M-7.\nM-7\nMember M-7 (Zoé) of Club Sportif Ëttelbréck\n"))
    #expect(text.contains("Branch: DiekirchM-7, zoe@exemple.fr\nNumber, then spaces: M-7\nDiekirch\n"))
}

@Test func aValueThatWouldJoinTheSpacesAfterItIsRendered() throws {
    // U+0600 joins the character after it: a space after it is not trailing white space any
    // more, so tidying keeps it. The skeleton, tidied without the value, would have dropped it.
    let (dir, composer) = try customTemplates()
    _ = dir
    let composition = try prepared(composer, .en)
    let subject = SubjectFields(name: "Zoé", email: "zoe@exemple.fr", fields: ["member_no": "M-1\u{600}"])
    #expect(composition.skeletonRefusal(for: subject) == .value("subject.fields.member_no"))
    let (skeleton, rendered) = bothWays(composition, subject, seed: 8)
    #expect(skeleton == rendered)
    #expect(try composition.render(subject: subject).text.contains("Number, then spaces: M-1\u{600} \n"))
}

@Test func aTransformedSubjectValueKeepsTheTemplateFromSkeletons() throws {
    let dir = try TemporaryDirectory("templates")
    try copyTemplates(to: dir.url)
    try edit(dir.url, "en/subject.txt.mustache") { $0.replacingOccurrences(of: "Dear {{subject.name}},", with: "Dear {{uppercased(subject.name)}},") }
    let composition = try prepared(Composer(templates: try TemplateSet(directory: dir.url)), .en)
    let subject = SubjectFields(name: "Zoé Lefèvre", email: "zoe@exemple.fr")
    #expect(composition.skeletonRefusal(for: subject) == .template("en/subject.txt.mustache:4 transforms `subject.name`"))
    let (skeleton, rendered) = bothWays(composition, subject, seed: 2)
    #expect(skeleton == rendered)
    #expect(String(decoding: try #require(skeleton.bytes), as: UTF8.self).contains("Dear ZO=C3=89 LEF=C3=88VRE,"))
}

@Test func aCharacterThatCouldJoinAValueKeepsThatSkeletonFromUse() throws {
    // A zero-width joiner after an emoji joins the emoji a name may start with into one character.
    let dir = try TemporaryDirectory("templates")
    try copyTemplates(to: dir.url)
    try edit(dir.url, "en/subject.txt.mustache") { $0.replacingOccurrences(of: "Dear {{subject.name}},", with: "Dear 🙂\u{200D}{{subject.name}},") }
    let composition = try prepared(Composer(templates: try TemplateSet(directory: dir.url)), .en)
    let subject = SubjectFields(name: "🙂 Zoé", email: "zoe@exemple.fr")
    #expect(composition.skeletonRefusal(for: subject) == .skeleton("a subject value stands next to a character it could join"))
    #expect(composition.skeletonRefusal(for: SubjectFields(email: "zoe@exemple.fr")) == nil)  // no name: no marker there
    let (skeleton, rendered) = bothWays(composition, subject, seed: 2)
    #expect(skeleton == rendered)
}

@Test func aCombinationTheTemplatesRefuseFailsTheSameWay() throws {
    // The whole body in a name section: without a name the message is empty.
    let dir = try TemporaryDirectory("templates")
    try copyTemplates(to: dir.url)
    try edit(dir.url, "de/subject.txt.mustache") {
        let lines = $0.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        return "\(lines[0])\n\n{{#subject.name}}\n\(lines[2])\n{{/subject.name}}\n"
    }
    let composition = try prepared(Composer(templates: try TemplateSet(directory: dir.url)), .de)
    let nameless = SubjectFields(email: "x@example.org")
    #expect(composition.skeletonRefusal(for: nameless) == .skeleton("the templates give an error for it"))
    let (skeleton, rendered) = bothWays(composition, nameless, seed: 6)
    #expect(skeleton == .failed(.emptyMessage(file: "de/subject.txt.mustache")))
    #expect(rendered == skeleton)
    let named = SubjectFields(name: "Zoé", email: "x@example.org")
    #expect(composition.skeletonRefusal(for: named) == nil)
    #expect(bothWays(composition, named, seed: 6).skeleton == bothWays(composition, named, seed: 6).rendered)
}

@Test func markerCharactersInTheIncidentKeepTheCompositionFromSkeletons() throws {
    var incident = Fixture.incident
    incident.description = LocalizedText(incident.text(incident.description, in: .en) + " \u{E000}&0\u{E001}")
    let composition = try Fixture.composer.prepare(Fixture.context(.subject, .en, incident: incident))
    let subject = SubjectFields(name: "Zoé", email: "zoe@exemple.fr")
    #expect(composition.skeletonRefusal(for: subject)
        == .template("the incident or controller data hold a character of the private-use area that marks values in a skeleton"))
    let (skeleton, rendered) = bothWays(composition, subject, seed: 4)
    #expect(skeleton == rendered)
}

// MARK: Threads

@Test func severalThreadsComposeTheSameBytes() throws {
    let (dir, composer) = try customTemplates()
    _ = dir
    let composition = try prepared(composer, .en)
    var maker = SubjectMaker(seed: 77)
    let subjects = (0..<400).map { maker.subject($0) }
    let expected = subjects.enumerated().map { n, subject in bothWays(composition, subject, seed: UInt64(n)).rendered }
    let fresh = try prepared(composer, .en)  // skeletons made concurrently, on first use
    let results = Results(count: subjects.count)
    DispatchQueue.concurrentPerform(iterations: 8) { worker in
        for n in stride(from: worker, to: subjects.count, by: 8) {
            results.set(n, outcome({ (random: inout SeededRandom) throws(ComposeError) in
                try fresh.message(subject: subjects[n], from: Fixture.sender, replyTo: Fixture.sender, builder: Fixture.builder, using: &random)
            }, seed: UInt64(n)))
        }
    }
    #expect(results.all == expected)
    #expect(fresh.compositionCounts == composition.compositionCounts)
    #expect(fresh.compositionCounts.fromSkeleton > 200)
}

/// Outcomes written by several threads.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [Outcome?]
    init(count: Int) { outcomes = Array(repeating: nil, count: count) }
    func set(_ n: Int, _ outcome: Outcome) { lock.withLock { outcomes[n] = outcome } }
    var all: [Outcome?] { lock.withLock { outcomes } }
}

// MARK: What the skeleton relies on

@Test func scalarsThatStandAloneNeverJoinTheirNeighbours() {
    let all = (0...0x10FFFF).compactMap(Unicode.Scalar.init).filter(SubjectSkeleton.standsAlone)
    var sample: [Unicode.Scalar] = []
    for (index, scalar) in all.enumerated() where index % 997 == 0 || !SubjectSkeleton.standsAlone(Unicode.Scalar(scalar.value - 1) ?? "\u{0}") {
        sample.append(scalar)
    }
    let neighbours: [String] = ["a", " ", "\n", "\u{E000}", "\u{E001}", "é", "王", "🙂", "가", "ب", "ש", "क", "ক", "க", "ก"]
    var joined: [String] = []
    for scalar in all {
        let s = String(scalar)
        for n in neighbours where (n + s).count != 2 || (s + n).count != 2 { joined.append("U+\(String(scalar.value, radix: 16)) with \(n)") }
        if (s + "\u{301}" + "a").count != 2 { joined.append("U+\(String(scalar.value, radix: 16)) with a combining mark") }
    }
    for a in sample {
        for b in sample where (String(a) + String(b)).count != 2 { joined.append("U+\(String(a.value, radix: 16)) U+\(String(b.value, radix: 16))") }
    }
    #expect(joined.isEmpty, "\(joined.prefix(20))")
}

@Test func marksAtTheEndOfAValueNeverJoinWhatFollows() {
    // Every mark a value may end with, after a scalar that stands alone, before every neighbour a
    // template may put after a marker: the value stays one character, the neighbour another.
    let marks = (0...0xFFFF).compactMap(Unicode.Scalar.init).filter(SubjectSkeleton.isTrailingMark)
    let bases: [String] = ["a", "é", "ب", "ש", "क", "ক", "க", "ก", "王"]
    let neighbours: [String] = ["a", " ", "\n", "\u{E000}", "é", "ب", "ש", "क", "ক", "க", "ก", "王", "🙂"]
    var joined: [String] = []
    for mark in marks {
        for base in bases {
            let value = base + String(mark)
            for n in neighbours where (value + n).count != value.count + 1 {
                joined.append("U+\(String(mark.value, radix: 16)) after \(base), before \(n)")
            }
        }
    }
    #expect(joined.isEmpty, "\(joined.prefix(20))")
    // A virama joins the consonant after it (Unicode's rule GB9c): a value ending in one is rendered.
    for virama in ["\u{94D}", "\u{9CD}", "\u{94D}\u{93C}"] { #expect(!SubjectSkeleton.accepts("क" + virama)) }
}

/// Issue 18 §4: names in Arabic, Hebrew, Devanagari and the other scripts a name may be written
/// in are composed from the skeleton, and give the bytes rendering gives, in the subject line,
/// the greeting, the HTML, and beside Latin text.
@Test("names in every script take the skeleton, with the bytes rendering gives", arguments: Language.allCases)
func namesInEveryScriptTakeTheSkeleton(language: Language) throws {
    let composition = try prepared(Fixture.composer, language)
    var skeletons = 0
    for (n, name) in SubjectMaker.scriptNames.enumerated() {
        for written in [name, "Dr " + name, name + " Jr", name + " " + name] {
            let subject = SubjectFields(name: written, email: "p\(n)@exemple.fr", fields: ["member_no": "M-\(n)"])
            let (skeleton, rendered) = bothWays(composition, subject, seed: UInt64(n))
            #expect(skeleton == rendered, "\(written)")
            #expect(skeleton.bytes != nil, "\(written)")
            if composition.skeletonRefusal(for: subject) == nil { skeletons += 1 }
        }
    }
    // Every one but the values that end in a virama (தமிழ், முருகன், क्: alone, after "Dr ", twice).
    let virama = SubjectMaker.scriptNames.filter { name in name.unicodeScalars.last.map { [0xBCD, 0x94D].contains($0.value) } ?? false }.count
    #expect(virama == 3)
    #expect(skeletons == (SubjectMaker.scriptNames.count - virama) * 4 + virama)
    for name in ["محمد", "שָׁלוֹם", "लक्ष्मी", "सीता", "עַל"] {
        #expect(composition.skeletonRefusal(for: SubjectFields(name: name, email: "x@exemple.fr", fields: ["member_no": "1"])) == nil, "\(name)")
    }
}

@Test func htmlEscapingChangesOnlyFiveASCIICharacters() {
    // The skeleton escapes a value only when its bytes hold one of `<>&"'`: no other character
    // may compare equal to one of them.
    let special: Set<Character> = ["<", ">", "&", "\"", "'"]
    let equal = (0...0x10FFFF).compactMap(Unicode.Scalar.init).filter { !$0.isASCII && special.contains(Character($0)) }
    #expect(equal.isEmpty)
    #expect(SubjectSkeleton.htmlEscaped("Tom & \"Jerry\" <b>'s") == "Tom &amp; &quot;Jerry&quot; &lt;b&gt;&#39;s")
    #expect(SubjectSkeleton.htmlEscaped("Zoé") == "Zoé")
}

// MARK: Fallback language

/// A notice sent in the fallback language opens with a line in the person's language, in the
/// text and in the HTML: the skeleton gives the bytes of a full rendering with it too.
@Test func aFallbackNoticeFromASkeletonIsTheRenderedOneWithItsNote() throws {
    var context = Fixture.context(.subject, .fr)
    context.fallbackFrom = .de
    let composition = try Fixture.composer.prepare(context)
    var maker = SubjectMaker(seed: 12)
    var fromSkeleton = 0
    for n in 0..<300 {
        let subject = maker.subject(n)
        let (skeleton, rendered) = bothWays(composition, subject, seed: UInt64(n))
        #expect(skeleton == rendered, "subject \(n): \(subject)")
        if composition.skeletonRefusal(for: subject) == nil { fromSkeleton += 1 }
    }
    #expect(fromSkeleton > 200)
    let text = try composition.render(subject: Fixture.subject).text
    #expect(text.hasPrefix("Diese Mitteilung liegt nicht auf Deutsch vor; wir senden sie Ihnen auf Französisch.\n\nBonjour Zoé Lefèvre,"))
    let html = try #require(try composition.render(subject: Fixture.subject).html)
    #expect(html.contains("<body>\n<p lang=\"de\">Diese Mitteilung liegt nicht auf Deutsch vor; wir senden sie Ihnen auf Französisch.</p>\n"))
}
