import BreachCore

/// A chart drawn as inline SVG, with its text equivalent: a title, a one-sentence description
/// and a table of the figures it shows, for a screen reader, a printout without colour or a
/// person who prefers to read.
///
/// Pure: the same input always gives the same text; no I/O. Labels come from the caller, already
/// in the page's language.
public struct Chart: Sendable, Equatable {
    /// `<svg …>…</svg>`, with `role="img"`, a `<title>` and a `<desc>`; safe to put in HTML as is.
    public let svg: String
    public let title: String
    public let description: String
    /// The table's header.
    public let columns: [String]
    /// The figures, one row per bar, segment or point.
    public let rows: [[String]]

    public init(svg: String, title: String, description: String, columns: [String], rows: [[String]]) {
        self.svg = svg
        self.title = title
        self.description = description
        self.columns = columns
        self.rows = rows
    }
}

/// SVG text: escaping, numbers, and the hatch patterns that tell segments apart without colour.
enum SVG {
    /// Escapes text for an XML element or a double-quoted attribute (the same five characters as HTML).
    static func escape(_ text: String) -> String { TextEscaping.html(text) }

    /// A coordinate with at most one decimal, without a trailing `.0`.
    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }

    /// The opening of an SVG chart: its size, role, title and description (`aria-labelledby` both).
    static func open(id: String, width: Double, height: Double, title: String, description: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"\(escape(id))\" role=\"img\" "
            + "viewBox=\"0 0 \(number(width)) \(number(height))\" width=\"\(number(width))\" height=\"\(number(height))\" "
            + "aria-labelledby=\"\(escape(id))-title \(escape(id))-desc\">"
            + "<title id=\"\(escape(id))-title\">\(escape(title))</title>"
            + "<desc id=\"\(escape(id))-desc\">\(escape(description))</desc>"
    }

    /// Fill patterns, one per index, that differ in shape and not only in shade: solid, hatched
    /// one way, the other way, cross-hatched, dotted, horizontal lines.
    static func patterns(id: String, count: Int) -> String {
        var defs = "<defs>"
        for i in 0..<count {
            let name = "\(escape(id))-p\(i)"
            let shade = ["#1f4e79", "#7f3f00", "#2e6b30", "#6b2e5f", "#4d4d4d", "#8a6d00", "#004d4d", "#5c2a2a"][i % 8]
            let mark: String
            switch i % 6 {
            case 0: mark = ""
            case 1: mark = "<path d=\"M0,8 L8,0\" stroke=\"#fff\" stroke-width=\"2\"/>"
            case 2: mark = "<path d=\"M0,0 L8,8\" stroke=\"#fff\" stroke-width=\"2\"/>"
            case 3: mark = "<path d=\"M0,0 L8,8 M0,8 L8,0\" stroke=\"#fff\" stroke-width=\"1.5\"/>"
            case 4: mark = "<circle cx=\"4\" cy=\"4\" r=\"1.6\" fill=\"#fff\"/>"
            default: mark = "<path d=\"M0,4 L8,4\" stroke=\"#fff\" stroke-width=\"2\"/>"
            }
            defs += "<pattern id=\"\(name)\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\">"
                + "<rect width=\"8\" height=\"8\" fill=\"\(shade)\"/>\(mark)</pattern>"
        }
        return defs + "</defs>"
    }
}
