import BreachCore
import BreachImport
import BreachTestSupport
import Foundation
import Testing

/// The reader on crafted bytes: every shape of real export, and every bad input of issue 7.
@Suite struct CSVReaderTests {
    let dir: TemporaryDirectory

    init() throws { dir = try TemporaryDirectory("csv") }

    func file(_ bytes: [UInt8], _ name: String = "in.csv") throws -> URL {
        let url = dir.file(name)
        try Data(bytes).write(to: url)
        return url
    }

    func file(_ text: String) throws -> URL { try file(Array(text.utf8)) }

    func records(_ url: URL, _ options: CSVOptions = CSVOptions()) throws -> (CSVReader, [CSVRecord]) {
        let reader = try CSVReader(file: url, options: options)
        var all: [CSVRecord] = []
        while let r = try reader.next() { all.append(r) }
        return (reader, all)
    }

    func importError(_ url: URL, _ options: CSVOptions = CSVOptions()) -> ImportError? {
        do { _ = try records(url, options); return nil } catch let e as ImportError { return e } catch { return nil }
    }

    @Test func quotedFieldsEscapesAndNewlinesKeepPhysicalLineNumbers() throws {
        let url = try file("email;name;note\r\na@example.org;\"Dupont; Marie\";\"say \"\"hi\"\"\"\r\nb@example.org;Luc;\"two\r\nlines\nand three\"\r\nc@example.org;Léa;x\n")
        let (reader, rs) = try records(url)
        #expect(reader.delimiter == UInt8(ascii: ";"))
        #expect(rs.map(\.line) == [1, 2, 3, 6])
        #expect(rs[1].fields == ["a@example.org", "Dupont; Marie", "say \"hi\""])
        #expect(rs[2].fields == ["b@example.org", "Luc", "two\r\nlines\nand three"])
        #expect(rs[3].fields == ["c@example.org", "Léa", "x"])
        #expect(rs.allSatisfy { $0.problem == nil })
    }

    @Test func crOnlyAndMixedLineEndsAndBlankLines() throws {
        let url = try file("email,name\ra@example.org,A\r\n\r\nb@example.org,B\n,\nc@example.org,C")
        let (reader, rs) = try records(url)
        #expect(reader.delimiter == UInt8(ascii: ","))
        #expect(rs.map(\.line) == [1, 2, 4, 6])
        #expect(rs.map { $0.fields[1] } == ["name", "A", "B", "C"])
        #expect(reader.blankLines == 2)
    }

    @Test(arguments: [("email,first_name,x;y", UInt8(ascii: ",")), ("email;first_name;last_name", UInt8(ascii: ";")),
                      ("email\tfirst_name\tlast_name", 9), ("\"a;b\",email,c", UInt8(ascii: ","))])
    func sniffsTheSeparatorFromTheHeader(header: String, expected: UInt8) throws {
        let (reader, _) = try records(try file(header + "\n"))
        #expect(reader.delimiter == expected)
    }

    @Test func givenSeparatorWinsOverSniffing() throws {
        let (reader, rs) = try records(try file("email;a,b,c\nx@example.org;1,2,3\n"), CSVOptions(delimiter: UInt8(ascii: ";")))
        #expect(reader.delimiter == UInt8(ascii: ";"))
        #expect(rs[1].fields == ["x@example.org", "1,2,3"])
    }

    @Test func utf8BOMIsStripped() throws {
        let (reader, rs) = try records(try file([0xEF, 0xBB, 0xBF] + Array("E-mail;Prénom\nx@example.org;Zoé\n".utf8)))
        #expect(rs[0].fields == ["E-mail", "Prénom"])
        #expect(rs[1].fields == ["x@example.org", "Zoé"])
        #expect(reader.encoding == .utf8)
    }

    @Test func windows1252IsDetectedAndTranscoded() throws {
        // "Prénom;Nom\r\nx@example.org;Hélène €" in Windows-1252: é = 0xE9, è = 0xE8, € = 0x80.
        let bytes: [UInt8] = Array("email;Pr".utf8) + [0xE9] + Array("nom\r\nx@example.org;H".utf8) + [0xE9, 0x6C, 0xE8] + Array("ne ".utf8) + [0x80] + [13, 10]
        let (reader, rs) = try records(try file(bytes))
        #expect(reader.encoding == .windows1252)
        #expect(rs[0].fields == ["email", "Prénom"])
        #expect(rs[1].fields == ["x@example.org", "Hélène €"])
        #expect(rs[1].problem == nil)
    }

    @Test func wrongEncodingRefusesTheRowWhenUTF8IsForcedOrSettled() throws {
        let bytes: [UInt8] = Array("email;name\nx@example.org;Zoé\ny@example.org;H".utf8) + [0xE9] + Array("l\nz@example.org;Z\n".utf8)
        let (reader, rs) = try records(try file(bytes))
        #expect(reader.encoding == .utf8)  // settled by "Zoé" on line 2
        #expect(rs[2].line == 3)
        #expect(rs[2].problem == .notText(field: 2, encoding: .utf8))
        #expect(rs[3].problem == nil)
        let (_, forced) = try records(try file(Array("email\nH".utf8) + [0xE9] + [10]), CSVOptions(encoding: .utf8))
        #expect(forced[1].problem == .notText(field: 1, encoding: .utf8))
    }

    @Test func nulByteRefusesItsRowOnly() throws {
        let (_, rs) = try records(try file(Array("email;name\nx@example.org;Ma".utf8) + [0] + Array("rie\ny@example.org;Luc\n".utf8)))
        #expect(rs[1].problem == .nul(field: 2))
        #expect(rs[2].problem == nil)
        #expect(rs[2].fields == ["y@example.org", "Luc"])
    }

    /// What a 1 MiB field leaves in memory is bounded by the limit (64 KiB kept, 2 KiB of raw
    /// line); the process's memory over a large file is measured by ImportBenchmark, not here.
    @Test func aOneMegabyteFieldRefusesItsRowAndKeepsNoMoreThanTheLimit() throws {
        let big = String(repeating: "A", count: 1 << 20)
        let (_, rs) = try records(try file("email;name\nx@example.org;\"\(big)\"\ny@example.org;Luc\n"))
        #expect(rs[1].problem == .fieldTooLong(field: 2, limit: 65536))
        #expect(rs[1].fields[1].utf8.count == 65536)
        #expect(rs[1].raw.utf8.count <= 2048 && rs[1].rawTruncated)
        #expect(rs[2].line == 3 && rs[2].problem == nil)
    }

    @Test func textAfterAClosingQuoteRefusesTheRow() throws {
        let (_, rs) = try records(try file("email;name\nx@example.org;\"Marie\" Dupont\n"))
        #expect(rs[1].problem == .textAfterQuote(field: 2))
    }

    @Test func unclosedQuoteIsAFileErrorWithItsStartingLine() throws {
        let url = try file("email;name\nx@example.org;Luc\ny@example.org;\"Marie\nz@example.org;Zoé\n")
        let error = try #require(importError(url))
        #expect(error.description == "\(url.path) line 3, field 2: a quoted field opens here and is never closed before the end of the file; "
            + "close it (a quote inside a quoted field is written \"\") and import again. Nothing was imported.")
    }

    @Test func emptyFilesAreRefused() throws {
        for (name, bytes) in [("empty.csv", [UInt8]()), ("blank.csv", Array("\r\n\n".utf8)), ("bom.csv", [0xEF, 0xBB, 0xBF])] {
            let url = try file(bytes, name)
            #expect(importError(url)?.description == "\(url.path): is empty, without even a header line; export the list again "
                + "with a header row such as email;first_name;last_name;language.")
        }
    }

    @Test func binaryAndSpreadsheetFilesAreNotCSV() throws {
        var generator = SystemRandomNumberGenerator()
        let png = try file([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52]
                           + (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }, "photo.csv")
        #expect(importError(png)?.problem == .binary)
        let xlsx = try file(Array("PK\u{3}\u{4}".utf8) + [0x14, 0, 6, 0], "list.csv")
        #expect(importError(xlsx)?.description == "\(xlsx.path): is a spreadsheet (.xlsx or .xls), not CSV; save it as \"CSV UTF-8\" and import that file.")
        let utf16 = try file([0xFF, 0xFE, 0x65, 0, 0x6D, 0], "u16.csv")
        #expect(importError(utf16)?.problem == .utf16)
    }

    /// Plain text is read a run at a time up to the next separator, quote, line end or NUL; the
    /// records, problems, raw lines, counts and errors are those of reading byte by byte, on
    /// random files of every token the parser cares about, fields across the 64 KiB chunks, and
    /// fields around the length limit and the raw line's 2 KiB.
    @Test(arguments: 0..<24)
    func plainRunsReadExactlyWhatByteByByteReads(_ seed: Int) throws {
        var rng = SeededRandom(seed: UInt64(seed) &+ 0x5EED)
        let tokens: [[UInt8]] = [Array("ab".utf8), Array("Zoé".utf8), [0xE9], Array(",".utf8), Array(";".utf8),
                                 [13], [10], [13, 10], [13, 10], [10], [0], [9], Array(" x@y.org".utf8)]
        var bytes: [UInt8] = Array("email;name\n".utf8)
        while bytes.count < 150_000 {
            switch Int.random(in: 0..<40, using: &rng) {
            case 0: bytes += Array(repeating: UInt8(ascii: "x"), count: Int.random(in: 1..<70_000, using: &rng))
            case 1, 2: bytes += Array(repeating: UInt8(ascii: "y"), count: Int.random(in: 40..<60, using: &rng))
            case 3, 4, 5: bytes += Array(repeating: UInt8(ascii: "z"), count: Int.random(in: 100..<3_000, using: &rng))
            case 6: bytes += Array("\"".utf8)
            case 7, 8: bytes += Array(";\"a\"\"b;\nc\";".utf8)
            default: bytes += tokens.randomElement(using: &rng)!
            }
        }
        let url = try file(bytes, "random-\(seed).csv")
        let options = CSVOptions(fieldLimit: seed % 2 == 0 ? 50 : 64 * 1024)
        func read(runs: Bool) -> (records: [CSVRecord], raw: [String], error: ImportError?, counts: [Int]) {
            var records: [CSVRecord] = []
            var failure: ImportError?
            var counts: [Int] = []
            do {
                let reader = try CSVReader(file: url, options: options)
                reader.takesPlainRuns = runs
                do { while let r = try reader.next() { records.append(r) } } catch { failure = error }
                counts = [reader.recordsRead, reader.blankLines, Int(reader.bytesRead)]
            } catch { failure = error }
            return (records, records.map(\.raw), failure, counts)
        }
        let runs = read(runs: true), bytewise = read(runs: false)
        #expect(runs.records.count == bytewise.records.count)
        #expect(runs.records == bytewise.records)
        #expect(runs.raw == bytewise.raw)
        #expect(runs.error == bytewise.error)
        #expect(runs.counts == bytewise.counts)
        #expect(bytewise.records.count >= 5)
    }

    @Test func hashCoversTheWholeFile() throws {
        let text = "email\n" + String(repeating: "someone@example.org\n", count: 10_000)  // several chunks
        let (reader, rs) = try records(try file(text))
        #expect(rs.count == 10_001)
        let expected = try CommandRunner.run("sha256sum", [dir.file("in.csv").path]).stdout.prefix(64)
        #expect(reader.sha256 == String(expected))
    }
}
