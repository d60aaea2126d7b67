import BreachConfig
import BreachCore
import BreachImport
import BreachRegister
import BreachTestSupport
import Foundation
import Testing

/// The import into a real register: which rows become subjects, in which state, and what a
/// failed import leaves (nothing).
@Suite struct SubjectImporterTests {
    let dir: TemporaryDirectory
    let register: Register
    let id: String
    let now = Date(timeIntervalSince1970: 1_793_000_000)

    init() throws {
        dir = try TemporaryDirectory("import")
        register = try Register(at: dir.file("register.sqlite"), create: true)
        let incident = try IncidentFile.load(CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml"))
        id = try register.openIncident(incident, actor: "test", at: now).id
    }

    func run(_ text: String, _ options: SubjectImporter.Options = .init()) throws -> SubjectImporter.Summary {
        try run(Array(text.utf8), options)
    }

    func run(_ bytes: [UInt8], _ options: SubjectImporter.Options = .init()) throws -> SubjectImporter.Summary {
        let url = dir.file("subjects-\(UUID().uuidString).csv")
        try Data(bytes).write(to: url)
        return try SubjectImporter.run(file: url, into: register, incidentID: id, options: options,
                                       reportDirectory: dir.file("imports"), actor: "test", at: now)
    }

    func all() throws -> [Subject] { try register.subjects(incidentID: id) }

    func report(_ s: SubjectImporter.Summary) throws -> String {
        let name = try #require(s.report)
        let data = try Data(contentsOf: dir.url.appendingPathComponent(name))
        #expect(data.starts(with: [0xEF, 0xBB, 0xBF]))  // so that Excel reads it as UTF-8
        return String(decoding: data.dropFirst(3), as: UTF8.self)
    }

    @Test func acceptedRowsAreExact() throws {
        let s = try run("""
            Courriel;Prénom;NOM;Sprache;N° client\r
             Marie.Dupont@Bücher.Example ;Marie;Dupont;fr-LU;C-1\r
            luc@example.org;Luc;"Weber; Jr";Deutsch;\r
            zoe@example.org;;;en;"rue X\r
            L-1234"\r
            """)
        #expect(s.rows == 3 && s.accepted == 3 && s.queued == 3 && s.duplicates == 0 && s.rejected == 0 && s.report == nil)
        let subjects = try all()
        #expect(subjects.map(\.email) == ["marie.dupont@xn--bcher-kva.example", "luc@example.org", "zoe@example.org"])
        #expect(subjects.map(\.firstName) == ["Marie", "Luc", nil])
        #expect(subjects.map(\.lastName) == ["Dupont", "Weber; Jr", nil])
        #expect(subjects.map(\.language) == ["fr", "de", "en"])
        #expect(subjects.map(\.fields) == [["N° client": "C-1"], [:], ["N° client": "rue X\nL-1234"]])
        #expect(subjects.map(\.line) == [2, 3, 4])
        #expect(subjects.allSatisfy { $0.state == "queued" && $0.attempts == 0 })
        #expect(try register.subjectCounts(incidentID: id) == ["queued": 3])
    }

    @Test func missingOrInvalidAddressesAreRecordedAsNoAddress() throws {
        let s = try run("email;first_name\n;Marie\nnot-an-address;Luc\nok@example.org;Zoé\n")
        #expect(s.rows == 3 && s.accepted == 3 && s.noAddress == 2 && s.queued == 1)
        let subjects = try all()
        #expect(subjects.map(\.state) == ["no_address", "no_address", "queued"])
        #expect(subjects.map(\.stateReason) == ["no address", "invalid address: has no `@`; write it as local-part@domain.", nil])
        #expect(subjects[1].fields == ["email": "not-an-address"])  // kept, to reach the person another way
        #expect(try report(s) == "line;outcome;reason;raw\r\n2;no_address;no address;\";Marie\"\r\n"
            + "3;no_address;\"invalid address: has no `@`; write it as local-part@domain.\";\"not-an-address;Luc\"\r\n")
    }

    @Test func lineBreaksAndHeadersInNamesAreRejectedAndNeverStored() throws {
        let s = try run("email;first_name;last_name\na@example.org;\"Marie\r\nBcc: x@evil.example\";D\nb@example.org;Luc;\"W\nX\"\n"
                        + "c@example.org;Zoé;Weber bcc : all@evil.example\nd@example.org;Anne;To:x\ne@example.org;Ccile;Tomas\n")
        #expect(s.rows == 5 && s.rejected == 4 && s.accepted == 1)
        #expect(try all().map(\.email) == ["e@example.org"])
        let text = try report(s)
        #expect(text.contains("\n2;rejected;\"field 2 (first_name) contains a line break or control character, which could inject mail headers; remove it\";\"a@example.org;\"\"Marie\r\nBcc: x@evil.example\"\";D\"\r\n"))
        #expect(text.contains("\n4;rejected;\"field 3 (last_name) contains a line break"))
        #expect(text.contains("\n6;rejected;\"field 3 (last_name) contains a mail header field (such as Bcc:); correct the name\";\"c@example.org;Zoé;Weber bcc : all@evil.example\"\r\n"))
        #expect(text.contains("\n7;rejected;\"field 3 (last_name) contains a mail header field"))
    }

    @Test func duplicatesAreMergedWithinTheFileAndAcrossImports() throws {
        let s = try run("email\nA@example.org\na@EXAMPLE.org\nb@example.org\n\nnope\nnope\n")
        #expect(s.rows == 5 && s.accepted == 3 && s.duplicates == 2 && s.rows == s.accepted + s.duplicates + s.rejected)
        #expect(try report(s).contains("\n3,duplicate,same address as line 2; merged,a@EXAMPLE.org\r\n"))  // the input's separator
        #expect(try report(s).contains("\n7,duplicate,same row as line 6; merged,nope\r\n"))
        let again = try run("email\nb@example.org\nc@example.org\nnope\n")
        #expect(again.accepted == 1 && again.duplicates == 2)
        #expect(try report(again).contains("\n2,duplicate,already recorded from line 4 by an earlier import,b@example.org\r\n"))
        #expect(try all().compactMap(\.email) == ["a@example.org", "b@example.org", "c@example.org"])
    }

    @Test func brokenRowsAreCountedAndReported() throws {
        let s = try run(Array("email;name\na@example.org;A".utf8) + [0] + Array("\nb@example.org;\"\(String(repeating: "x", count: 1 << 20))\"\nc@example.org;C;extra\nd@example.org;D;;\n".utf8))
        #expect(s.rows == 4 && s.rejected == 3 && s.accepted == 1)
        let text = try report(s)
        #expect(text.contains("\n2;rejected;\"field 2 (name) contains a NUL byte; remove it\";\"a@example.org;A␀\"\r\n"))
        #expect(text.contains("\n3;rejected;\"field 2 (name) is longer than 65536 bytes; shorten it or check the quoting\";"))
        #expect(text.contains("\n4;rejected;\"has 3 fields but the header has 2; check the quoting and separators of this line\";\"c@example.org;C;extra\"\r\n"))
    }

    @Test func missingEmailColumnNamesTheHeadersAndMap() throws {
        #expect {
            try run("Name;Phone\nMarie;123\n")
        } throws: { error in
            let e = error as? ImportError
            return e?.line == 1 && e?.description.hasSuffix(" line 1: no e-mail column among the headers found: \"Name\", \"Phone\". "
                + "Name the column email (or E-mail, Courriel, Mail), or map it with --map 'COLUMN=email'.") == true
        }
        let mapped = try run("Name;Adresse de contact\nMarie;m@example.org\n", .init(maps: ["Adresse de contact=email", "Name=first_name"]))
        #expect(mapped.queued == 1)
        #expect(try all().first?.firstName == "Marie")
    }

    @Test func notCSVAtAll() throws {
        #expect {
            try run("Dear Sir\nplease find attached\n")
        } throws: { error in
            (error as? ImportError)?.problem == .noSeparator(header: "Dear Sir")
        }
        // A single column is fine when it is the address.
        #expect(try run("Mail\nx@example.org\n").queued == 1)
    }

    @Test func aFailedImportLeavesNothingHalfImported() throws {
        let rows = (1...5000).map { "p\($0)@example.org;Name \($0)" }.joined(separator: "\n")
        #expect(throws: ImportError.self) { try run("email;name\n\(rows)\nlast@example.org;\"never closed\n") }
        #expect(try all().isEmpty)
        #expect(try register.history(incidentID: id).map(\.kind) == ["incident.opened"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("imports").path).isEmpty)
        #expect(try register.verify().firstProblem == nil)
    }

    @Test func theHistoryRecordsCountsAndHashNotContent() throws {
        let s = try run("email;name\na@example.org;Marie\n;Luc\n")
        let entry = try #require(try register.history(incidentID: id).last)
        #expect(entry.kind == "subjects.imported")
        #expect(!entry.payload.contains("Marie") && !entry.payload.contains("a@example.org"))
        #expect(entry.payload.contains("\"sha256\":\"\(s.sha256)\""))
        #expect(entry.payload.contains("\"accepted\":2") && entry.payload.contains("\"no_address\":1"))
    }

    @Test func theCampaignMovesStatesWithAGuard() throws {
        _ = try run("email\na@example.org\nb@example.org\n")
        let first = try #require(try register.subjects(incidentID: id, states: [.queued], limit: 1).first)
        #expect(try register.updateSubjects([SubjectUpdate(id: first.id, from: [.queued], to: .sending, countsAsAttempt: true)], at: now) == 1)
        #expect(try register.updateSubjects([SubjectUpdate(id: first.id, from: [.queued], to: .sending)], at: now) == 0)
        #expect(try register.updateSubjects([SubjectUpdate(id: first.id, from: [.sending], to: .submitted, messageID: "<m@x>", lastReply: "250 ok")], at: now) == 1)
        let after = try #require(try register.subjects(incidentID: id).first)
        #expect(after.state == "submitted" && after.attempts == 1 && after.messageID == "<m@x>" && after.lastReply == "250 ok")
        #expect(try register.subjects(incidentID: id, states: [.queued], after: 0).map(\.email) == ["b@example.org"])
    }
}
