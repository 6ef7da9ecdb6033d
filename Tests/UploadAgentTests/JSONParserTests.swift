#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import UploadAgent

@Suite struct JSONParserTests {
    @Test func readsWhatFoundationReads() throws {
        let documents = [
            #"{"a":1,"b":[true,false,null],"c":{"d":"e"},"f":-1.5e3,"g":0.25,"h":""}"#,
            #"  [ 1 , 2 ,3 ]  "#, #""tab\tquote\"slash\/back\\""#, #""\u00e9\u20ac\ud83d\ude00""#,
            #"{"dup":1,"dup":2}"#, "123456789012345678", "-0", #"{"nested":[[[{"x":[]}]]]}"#,
        ]
        for text in documents {
            let ours = JSONValue.parse(Array(text.utf8))
            let theirs = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(ours == theirs, "\(text)")
        }
    }

    @Test func refusesWhatIsNotJSON() {
        let broken = ["", "{", "[1,]", "{\"a\":}", "01", "1.", ".5", "-", "tru", "nul", "\"open", "{\"a\" 1}",
                      "[1 2]", "\"raw\ncontrol\"", "\"bad \\x escape\"", "\"\\u12\"", "1 2", "{} x", "NaN", "1e999"]
        for text in broken {
            let parsed = JSONValue.parse(Array(text.utf8))
            #expect(parsed == Optional<JSONValue>.none, "input: \(text)")
        }
    }

    @Test func aLoneSurrogateBecomesAReplacementCharacter() {
        #expect(JSONValue.parse(Array(#""a\ud800b""#.utf8)) == .string("a\u{FFFD}b"))
    }

    @Test func nestingDeeperThanTheLimitIsRefusedNotOverflowed() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(JSONValue.parse(Array(deep.utf8)) == Optional<JSONValue>.none)
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(JSONValue.parse(Array(fine.utf8)) != Optional<JSONValue>.none)
    }

    @Test func writerOutputRoundTripsAndFoundationAgrees() throws {
        var generator = SeededRandom(seed: 7)
        for _ in 0..<300 {
            let value = Self.randomValue(depth: 0, using: &generator)
            let bytes = value.serialized()
            #expect(JSONValue.parse(bytes) == value, "\(String(decoding: bytes, as: UTF8.self))")
            #expect(try JSONDecoder().decode(JSONValue.self, from: Data(bytes)) == value)
        }
    }

    @Test func writesSortedKeysCompactly() {
        let value: JSONValue = ["b": 1, "a": ["x": .string("q\"\n\u{01}")], "c": .number(2.5), "d": .number(.infinity)]
        #expect(String(decoding: value.serialized(), as: UTF8.self) == #"{"a":{"x":"q\"\n\u0001"},"b":1,"c":2.5,"d":null}"#)
    }

    static func randomValue(depth: Int, using generator: inout SeededRandom) -> JSONValue {
        let pick = Int.random(in: 0..<(depth > 3 ? 4 : 6), using: &generator)
        switch pick {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2:
            return Bool.random(using: &generator) ? .number(Double(Int.random(in: -1_000_000...1_000_000, using: &generator)))
                : .number(Double(Int.random(in: -1000...1000, using: &generator)) / 8)
        case 3:
            let alphabet = Array("aé€😀\"\\/\n\t\u{01} xyz")
            return .string(String((0..<Int.random(in: 0..<8, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
        case 4:
            return .array((0..<Int.random(in: 0..<4, using: &generator)).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            var members: [String: JSONValue] = [:]
            for index in 0..<Int.random(in: 0..<4, using: &generator) {
                members["k\(index)\(Int.random(in: 0..<3, using: &generator))"] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(members)
        }
    }
}

/// Odd but well-formed JSON inside an envelope: the envelope still answers.
@Suite struct JSONParserSalvageTests {
    @Test func membersAroundAnUnreadableValueAreKept() throws {
        let text = #"{"topic":"a/b","value":{"n":1e400},"headers":{"correlation-id":"c"}}"#
        let parsed = try #require(JSONParser.parseMembers(Array(text.utf8)))
        #expect(parsed.members["topic"] == .string("a/b"))
        #expect(parsed.members["headers"]?.objectValue?["correlation-id"] == .string("c"))
        #expect(parsed.unreadable["value"]?.contains("beyond the range of a double") == true)
    }

    @Test func deepNestingIsSteppedOverWithoutRecursion() throws {
        let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        let text = #"{"value":"# + deep + #","path":"/p"}"#
        let parsed = try #require(JSONParser.parseMembers(Array(text.utf8)))
        #expect(parsed.members["path"] == .string("/p"))
        #expect(parsed.unreadable["value"] == "nesting deeper than 512 levels")
    }

    @Test func stringsWithBracketsAndEscapesDoNotConfuseTheSkip() throws {
        let text = #"{"value":[1e999,"]\"}",{"a":"["}],"path":"/p"}"#
        let parsed = try #require(JSONParser.parseMembers(Array(text.utf8)))
        #expect(parsed.members["path"] == .string("/p"))
        #expect(parsed.unreadable["value"] != nil)
    }

    @Test(arguments: [#"{"topic": ["#, "[1]", #"{"a":1"#, #"{"a":1}x"#])
    func brokenStructureGivesNil(text: String) {
        #expect(JSONParser.parseMembers(Array(text.utf8)) == nil)
    }
}
