/// Turns an MQTT command (Hono topic + Ditto envelope) into a typed `InboxMessage`, or
/// says why it is not for us. Accepts both spellings the seed and Kanto use
/// (`correlationID`/`correlationId`, `statusCode` as number or string, times as epoch
/// seconds, epoch milliseconds or RFC 3339), and the fields of a value in any letter case,
/// as Kanto's Go decoder does (`JSONFields`). Never traps, whatever the payload.
public struct CommandParser: Sendable {
    public enum Outcome: Sendable {
        case inbox(InboxMessage)
        /// Not for this agent, or not a command at all: logged at debug, never answered.
        case ignored(String)
        /// On a command topic, but without a readable envelope to answer: logged as a warning.
        case unanswerable(String)
    }

    public let thing: ThingID
    public let featureId: String
    /// Made once, not per command: `namespace/name/` and the feature's inbox path.
    private let topicPrefix: String
    private let inbox: String

    public init(thing: ThingID, featureId: String) {
        self.thing = thing
        self.featureId = featureId
        topicPrefix = thing.topicPrefix + "/"
        inbox = "/features/\(featureId)/inbox/messages/"
    }

    public func parse(topic: String, payload: [UInt8]) -> Outcome {
        guard let hono = HonoTopic(parsing: topic) else { return .ignored("not a command topic: \(topic)") }
        var unreadable: [String: String] = [:]
        let envelope: JSONValue
        if let parsed = JSONValue.parse(payload), case .object = parsed {
            envelope = parsed
        } else if let salvaged = JSONParser.parseMembers(Array(payload)) {
            // Odd but well-formed JSON somewhere inside (a huge exponent, deep nesting): the
            // envelope's own fields still say whom to answer; the unreadable part is a 400.
            envelope = .object(salvaged.members)
            unreadable = salvaged.unreadable
        } else {
            return .unanswerable("payload on \(BoundedText.cut(topic)) (\(payload.count) bytes) is not a JSON object")
        }
        guard let dittoTopic = envelope["topic"]?.stringValue, let path = envelope["path"]?.stringValue else {
            return .ignored("envelope on \(topic) lacks 'topic' or 'path'")
        }
        guard dittoTopic.hasPrefix(topicPrefix) || dittoTopic == thing.topicPrefix else {
            return .ignored("message for another thing: \(dittoTopic)")
        }
        guard path.hasPrefix(inbox), path.count > inbox.count else {
            return .ignored("path not in this feature's inbox: \(path)")
        }
        let name = String(path.dropFirst(inbox.count))
        let headers = envelope["headers"]?.objectValue ?? [:]
        let correlation = headers["correlation-id"]?.stringValue
        var responseRequired = true
        switch headers["response-required"] {
        case .bool(let value)?: responseRequired = value
        case .string(let value)?: responseRequired = value.lowercased() != "false"
        default: break
        }
        let value = envelope["value"] ?? .null
        let operation: Result<Operation, OperationError>
        if let reason = unreadable["value"] ?? unreadable.first?.value {
            operation = .failure(.badRequest("invalid '\(BoundedText.cut(name, to: 64))' parameters: \(reason)"))
        } else {
            operation = Self.operation(named: name, value: value)
        }
        return .inbox(InboxMessage(hono: hono, dittoTopic: dittoTopic, path: path, correlationHeader: correlation,
                                   responseRequired: responseRequired, operationName: name, operation: operation))
    }

    static func operation(named name: String, value: JSONValue) -> Result<Operation, OperationError> {
        do throws(OperationError) {
            switch name {
            case "trigger":
                let object = try fields(of: value, name)
                if let files = object["options"]?.objectValue?["upload.files"], !files.isNull, files.stringValue == nil {
                    throw .badRequest("invalid 'trigger' parameters: option 'upload.files' must be a string (a glob), not \(files.typeName)")
                }
                return .success(.trigger(correlationId: try correlationId(object, name, required: false),
                                         options: try options(object, name)))
            case "start":
                let object = try fields(of: value, name)
                return .success(.start(correlationId: try correlationId(object, name, required: true)!,
                                       options: try options(object, name)))
            case "cancel":
                let object = try fields(of: value, name)
                let id = try correlationId(object, name, required: true)!
                let statusCode: String
                switch object["statusCode"] {
                case nil, .null?: statusCode = ""
                case .number(let n)?: statusCode = JSONValue.number(n).plainText
                case .string(let s)?: statusCode = s
                case let other?: throw OperationError.badRequest("invalid 'cancel' parameters: 'statusCode' must be a number or a string, not \(other.typeName)")
                }
                let message: String
                switch object["message"] {
                case nil, .null?: message = ""
                case .string(let s)?: message = s
                case let other?: throw OperationError.badRequest("invalid 'cancel' parameters: 'message' must be a string, not \(other.typeName)")
                }
                return .success(.cancel(correlationId: id, statusCode: statusCode, message: message))
            case "activate":
                let object = try fields(of: value, name)
                let from = try time(object["from"], "from")
                let to = try time(object["to"], "to")
                if let from, let to, to < from {
                    throw OperationError.badRequest("invalid 'activate' parameters: 'to' (\(RFC3339.format(to))) lies before 'from' (\(RFC3339.format(from)))")
                }
                return .success(.activate(from: from, to: to))
            case "deactivate":
                return .success(.deactivate)
            default:
                return .failure(.failed("unsupported operation '\(BoundedText.cut(name, to: 64))'", status: 400))
            }
        } catch {
            return .failure(error)
        }
    }

    private static func fields(of value: JSONValue, _ name: String) throws(OperationError) -> JSONFields {
        switch value {
        case .object(let object): return JSONFields(object)
        case .null: return JSONFields([:])
        default: throw .badRequest("invalid '\(name)' parameters: the value must be a JSON object, not \(value.typeName)")
        }
    }

    private static func correlationId(_ object: JSONFields, _ name: String,
                                      required: Bool) throws(OperationError) -> String? {
        let value = object["correlationID", "correlationId"]
        switch value {
        case .string(let id)? where !id.isEmpty: return id
        case nil, .null?, .string?:
            if required { throw .badRequest("invalid '\(name)' parameters: 'correlationID' is required") }
            return nil
        case let other?:
            throw .badRequest("invalid '\(name)' parameters: 'correlationID' must be a string, not \(other.typeName)")
        }
    }

    private static func options(_ object: JSONFields, _ name: String) throws(OperationError) -> [String: String] {
        guard let value = object["options"], !value.isNull else { return [:] }
        guard let map = value.stringMap else {
            throw .badRequest("invalid '\(name)' parameters: 'options' must be an object of strings")
        }
        return map
    }

    /// Epoch seconds, epoch milliseconds, or RFC 3339. PROTOCOL.md calls numbers above
    /// 10^12 milliseconds; we draw the line at 10^11 (seconds would be the year 5138), so
    /// millisecond times from before 2001 are read right too.
    static let millisecondThreshold = 1e11

    static func time(_ value: JSONValue?, _ field: String) throws(OperationError) -> Double? {
        switch value {
        case nil, .null?: return nil
        case .number(let n)?:
            let seconds = n > Self.millisecondThreshold ? n / 1000 : n
            guard n.isFinite, n >= 0, seconds <= RFC3339.latest else {
                throw .badRequest("invalid 'activate' parameters: '\(field)' is not a time")
            }
            return seconds
        case .string(let s)?:
            if s.isEmpty { return nil }
            if let seconds = RFC3339.parse(s) { return seconds }
            if let n = Double(s), n.isFinite, n >= 0, (n > Self.millisecondThreshold ? n / 1000 : n) <= RFC3339.latest {
                return n > Self.millisecondThreshold ? n / 1000 : n
            }
            throw .badRequest("invalid 'activate' parameters: '\(field)' is not a time: '\(s)'")
        case let other?:
            throw .badRequest("invalid 'activate' parameters: '\(field)' must be a time, not \(other.typeName)")
        }
    }
}
