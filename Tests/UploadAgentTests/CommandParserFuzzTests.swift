import Testing
@testable import UploadAgent

/// The parser runs on whatever arrives over MQTT: random bytes and mangled envelopes must
/// give `.ignored` or a typed outcome, never a trap. A seeded generator keeps failures
/// reproducible.
@Suite struct CommandParserFuzzTests {
    static let seeds: [String] = [
        #"{"topic":"edge/device/things/live/messages/start","headers":{"correlation-id":"c"},"path":"/features/AutoUploadable/inbox/messages/start","value":{"correlationID":"u#1","options":{"https.url":"http://x/"}}}"#,
        #"{"topic":"edge/device/things/live/messages/cancel","path":"/features/AutoUploadable/inbox/messages/cancel","value":{"correlationId":"u","statusCode":400,"message":"m"}}"#,
        #"{"topic":"edge/device/things/live/messages/activate","headers":{"response-required":"false"},"path":"/features/AutoUploadable/inbox/messages/activate","value":{"from":957139200000,"to":"2000-05-31T23:59:59Z"}}"#,
        #"{"topic":"edge/device/things/live/messages/trigger","path":"/features/AutoUploadable/inbox/messages/trigger","value":{"options":{"force":true,"n":1e308,"x":null}}}"#,
    ]

    static let fragments: [String] = ["{", "}", "[", "]", ":", ",", "\"", "null", "true", "-1e999", "1e400",
                                      "\\u0000", "\\ud800", "🙂", "\u{0}", "/", "#", "9999999999999999999999",
                                      #"{"a":"#, "-0", "NaN", "\"\\"]

    @Test func mangledPayloadsNeverTrap() {
        let parser = CommandParser(thing: ThingID("edge:device")!, featureId: "AutoUploadable")
        var random = SeededRandom(seed: 20_261_122)
        var parsed = 0
        for round in 0..<4_000 {
            var bytes = Array(Self.seeds[round % Self.seeds.count].utf8)
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                guard !bytes.isEmpty else { break }
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(contentsOf: Array(Self.fragments.randomElement(using: &random)!.utf8), at: at)
                default: bytes = Array(bytes[..<at])
                }
            }
            let topic = round % 7 == 0 ? "command/\u{0}/x/req" : "command//edge:device/req/\(round)/start"
            if case .inbox = parser.parse(topic: topic, payload: bytes) { parsed += 1 }
        }
        // The mutations are mild enough that some envelopes survive: the fuzzing reached
        // the value parsers, not only the JSON reader.
        #expect(parsed > 100)
    }

    @Test func randomBytesAreIgnored() {
        let parser = CommandParser(thing: ThingID("edge:device")!, featureId: "AutoUploadable")
        var random = SeededRandom(seed: 7)
        for _ in 0..<2_000 {
            let bytes = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            if case .inbox = parser.parse(topic: "command//edge:device/req//start", payload: bytes) {
                Issue.record("random bytes were taken for a command")
                return
            }
        }
    }

    @Test func deeplyNestedJSONDoesNotOverflowTheStack() {
        let parser = CommandParser(thing: ThingID("edge:device")!, featureId: "AutoUploadable")
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let payload = #"{"topic":"edge/device/things/live/messages/start","path":"/features/AutoUploadable/inbox/messages/start","value":"# + deep + "}"
        _ = parser.parse(topic: "command//edge:device/req//start", payload: Array(payload.utf8))
    }
}
